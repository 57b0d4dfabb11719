"""The model of a Hyper-V host: scenarios, memory settings and Hyper-V's rules, guest OSes, host capacity, VM states, workloads, limits and names."""
