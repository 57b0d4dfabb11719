"""The simulation engine: the per-second balancer, start admission, hot-add, the per-VM arrays, workload evaluation, output blocks and run summaries."""
