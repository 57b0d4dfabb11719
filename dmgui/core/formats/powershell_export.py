"""A PowerShell script that applies a scenario's memory settings to real VMs (issue 10 §3).

The script is data plus fixed code: a table at the top holds every value taken
from the scenario (names and numbers), and the code below it loops over the
table. The code is the same text whatever the names are, so no name can become
code.

Quoting rule (:func:`ps_literal`)
    Every text value from the scenario (VM names, the host name, the scenario
    name) is a PowerShell *single-quoted* literal, where nothing is expanded:
    no ``$``, no backtick escapes, no ``$(...)``. Inside one, each character
    PowerShell takes for a single quote (U+0027 ``'``, U+2018, U+2019, U+201A,
    U+201B) would be doubled. Every other character outside printable ASCII
    (U+0020 to U+007E) never appears raw: it leaves the literal and is written
    ``[char]0xHHHH`` (one per UTF-16 code unit), joined with ``+`` in
    parentheses: ``('abc' + [char]0x000A + 'def')``, always starting with a
    string so that ``+`` concatenates. That covers newlines, CR, tabs, NUL,
    every C0 and C1 control, U+2028/U+2029 and the Unicode quotes (so the
    doubling applies to ``'`` only in practice). The script is therefore pure
    ASCII: Windows PowerShell 5.1 reads a BOM-less file in the ANSI code page,
    where the UTF-8 bytes of a harmless name would turn into quotes (U+0112 is
    C4 92, and 0x92 is a right single quote in Windows-1252) and end a literal.
    Numbers come only from Python ints (:func:`ps_int`). There are no
    double-quoted strings or here-strings anywhere, and comments hold no
    scenario text (only generated words and numbers).

2012 R2 and 2016+ hosts: per VM, the script finds the VM by exact name
(``Get-VM -Name`` takes wildcards), compares ``Get-VMMemory`` with the wanted
settings, and changes only what differs with ``Set-VMMemory``, under
``ShouldProcess`` so ``-WhatIf`` shows each call. What may change while a VM
runs is not re-implemented here: :func:`runtime_rules` asks
:func:`dmgui.core.model.memory.check_memory_change` (spec §1.4 V7-V9) about
one-step changes of each setting and writes the answer into the table.

2008 R2 SP1 hosts have no Hyper-V PowerShell module, and dmgui's specification
describes only the WMI v2 namespace (spec §4.4), not the v1
``ModifyVirtualSystemResources`` call SP1 would need. Rather than write an
unchecked WMI change, the SP1 script only reads: it checks through WMI v1
(``root\\virtualization``) that each VM exists and is off, and prints the values
to set on its Memory page in Hyper-V Manager (no Minimum: SP1 has none).
"""

from __future__ import annotations

import re

from dmgui import __version__
from dmgui.core.model.memory import (
    MemoryChangeError,
    MemorySettings,
    VersionProfile,
    check_memory_change,
    check_memory_settings,
)
from dmgui.core.model.scenario import Scenario

#: The characters PowerShell's tokenizer takes for a single quote.
SINGLE_QUOTES = frozenset("'\u2018\u2019\u201a\u201b")

VERSION_LABELS = {VersionProfile.WS2008R2SP1: "Windows Server 2008 R2 SP1",
                  VersionProfile.WS2012R2: "Windows Server 2012 R2",
                  VersionProfile.WS2016: "Windows Server 2016 or later"}

_SAFE_COMMENT = re.compile(r"[A-Za-z0-9._-]+")

# Set-VMMemory parameter, MemorySettings field, probe step (None: a flag).
_PARAMETERS = (("DynamicMemoryEnabled", "dynamic_memory_enabled", None),
               ("StartupBytes", "startup_mb", 2), ("MinimumBytes", "minimum_mb", 2),
               ("MaximumBytes", "maximum_mb", 2), ("Buffer", "buffer_percent", 1),
               ("Priority", "weight", 100))

# (change allowed when the wanted value is lower, ... when it is higher) -> rule.
_RULE_NAMES = {(True, True): "Any", (True, False): "Lower", (False, True): "Raise",
               (False, False): "Off"}


def ps_literal(text: str) -> str:
    """``text`` as an inert PowerShell string expression (the module's quoting rule)."""
    parts: list[str] = []
    run: list[str] = []
    for ch in text:
        if " " <= ch <= "~":
            run.append(ch * 2 if ch in SINGLE_QUOTES else ch)
            continue
        if run or not parts:  # the first operand is a string, so + concatenates
            parts.append("'" + "".join(run) + "'")
            run = []
        units = ch.encode("utf-16-le", "surrogatepass")
        parts += [f"[char]0x{int.from_bytes(units[i:i + 2], 'little'):04X}"
                  for i in range(0, len(units), 2)]
    if run or not parts:
        parts.append("'" + "".join(run) + "'")
    return parts[0] if len(parts) == 1 else "(" + " + ".join(parts) + ")"


def ps_int(value: int) -> str:
    """A PowerShell integer literal, only ever from a Python int."""
    if type(value) is not int:
        raise TypeError(f"not an int: {value!r}")
    return str(value)


def runtime_rules(target: MemorySettings, profile: VersionProfile) -> dict[str, str]:
    """What each Set-VMMemory parameter may do while the VM runs, for ``target``.

    ``Any`` (may change), ``Lower`` (may only go down), ``Raise`` (may only go up)
    or ``Off`` (only while the VM is off), found by asking
    :func:`check_memory_change` about a one-step change each way.
    """
    rules = {}
    for parameter, field, step in _parameters(target):
        value = getattr(target, field)
        if step is None:
            rules[parameter] = "Any" if _allowed(target, profile, field, not value) else "Off"
        else:
            rules[parameter] = _RULE_NAMES[(_allowed(target, profile, field, value + step),
                                            _allowed(target, profile, field, value - step))]
    return rules


def _allowed(target: MemorySettings, profile: VersionProfile, field: str,
             current_value: object) -> bool:
    """May a running VM whose ``field`` is ``current_value`` be set to ``target``?"""
    current = target.model_copy(update={field: current_value})
    try:
        check_memory_change(current, target, profile, "probe", running=True)
    except MemoryChangeError:
        return False
    return True


def _parameters(settings: MemorySettings):
    """Static memory takes only the mode and Startup (V11: the others need DM on)."""
    return _PARAMETERS if settings.dynamic_memory_enabled else _PARAMETERS[:2]


def powershell_script(scenario: Scenario, host_name: str | None = None,
                      script_name: str | None = None) -> str:
    """The script that applies every VM's memory settings of ``scenario``.

    Parameters
    ----------
    scenario:
        The scenario; its host version chooses Set-VMMemory (2012 R2, 2016+) or
        the read-only WMI script (2008 R2 SP1).
    host_name:
        The default of the script's ``-ComputerName`` (default: the scenario's
        host name).
    script_name:
        The file name shown in the "how to run" lines of the header; kept only if
        it is made of letters, digits, ``.``, ``_`` and ``-``.
    """
    profile = scenario.host.version
    computer = scenario.host.name if host_name is None else host_name
    targets = [(vm.name, check_memory_settings(vm.memory, profile, vm.name))
               for vm in scenario.vms]
    shown = script_name if script_name and _SAFE_COMMENT.fullmatch(script_name) \
        else "this-script.ps1"
    sp1 = profile is VersionProfile.WS2008R2SP1
    header = _sp1_header(shown) if sp1 else _header(profile, shown)
    entries = [_sp1_entry(name, s) if sp1 else _entry(name, s, profile)
               for name, s in targets]
    return "\n".join([
        *header,
        "[CmdletBinding(SupportsShouldProcess = $true)]",
        "param(",
        f"    [string]$ComputerName = {ps_literal(computer)}",
        ")",
        "",
        "Set-StrictMode -Version Latest",
        "$ErrorActionPreference = 'Stop'",
        "",
        "# ---- Data: every name below is a single-quoted literal. ----",
        f"$ScenarioName = {ps_literal(scenario.name)}",
        "$VirtualMachines = @(",
        *[line for entry in entries for line in entry],
        ")",
        "",
        _SP1_CODE if sp1 else _SET_VMMEMORY_CODE,
    ])


def _generated_by() -> str:
    version = __version__ if _SAFE_COMMENT.fullmatch(__version__) else "(unknown)"
    return f"# Generated by dmgui {version}"


def _how_to_run(script: str, read_only: bool = False) -> list[str]:
    first = ([f"# Run it: .\\{script}  (-WhatIf is accepted; it changes nothing either)"]
             if read_only else
             ["# Run it first with -WhatIf to see what it would do, then without:",
              f"#     .\\{script} -WhatIf",
              f"#     .\\{script}"])
    return [*first,
            "# -ComputerName NAME runs it against another host (default: the host named",
            "# in the data below). Exit status: 0 when every VM was done, 1 when one was",
            "# skipped (a warning says why)."]


def _header(profile: VersionProfile, script: str) -> list[str]:
    return [
        "# Applies the memory settings of a dmgui scenario with Set-VMMemory.",
        f"{_generated_by()} for a {VERSION_LABELS[profile]} host",
        "# (Hyper-V PowerShell module). The scenario's name, the host and the VM names",
        "# are in the data below as single-quoted literals; no comment repeats them.",
        "#",
        *_how_to_run(script),
        "#",
        "# For each VM it reads the current settings (Get-VMMemory) and changes only",
        "# those that differ. While a VM is not Off, each change must be one the host",
        "# version allows at run time (the WhileRunning rules of each VM: Any, Lower =",
        "# may only go down, Raise = may only go up, Off = only while the VM is off);",
        "# if one is not, the VM is skipped with a warning naming what needs it Off.",
        "",
    ]


def _sp1_header(script: str) -> list[str]:
    return [
        "# Lists the memory settings of a dmgui scenario to set by hand.",
        f"{_generated_by()} for a Windows Server 2008 R2 SP1 host.",
        "#",
        "# Windows Server 2008 R2 SP1 has no Hyper-V PowerShell module (it came with",
        "# Windows Server 2012), so there is no Set-VMMemory. This script changes",
        "# nothing: it checks through WMI (root\\virtualization) that each VM exists",
        "# and is off, and prints the values to set on the VM's Settings > Memory page",
        "# in Hyper-V Manager. dmgui does not write WMI changes for this version: its",
        "# specification does not describe the v1 ModifyVirtualSystemResources call.",
        "# There is no Minimum RAM to set: on 2008 R2 SP1 it always equals Startup RAM.",
        "# Memory can be changed only while the VM is off.",
        "#",
        *_how_to_run(script, read_only=True),
        "",
    ]


def _entry(name: str, target: MemorySettings, profile: VersionProfile) -> list[str]:
    values = {"DynamicMemoryEnabled": "$true" if target.dynamic_memory_enabled
              else "$false",
              "StartupBytes": f"{ps_int(target.startup_mb)}MB",
              "MinimumBytes": f"{ps_int(target.minimum_mb)}MB",
              "MaximumBytes": f"{ps_int(target.maximum_mb)}MB",
              "Buffer": ps_int(target.buffer_percent),
              "Priority": ps_int(target.priority)}
    rules = runtime_rules(target, profile)
    settings = "; ".join(f"{p} = {values[p]}" for p, _f, _s in _parameters(target))
    running = "; ".join(f"{p} = '{rules[p]}'" for p, _f, _s in _parameters(target))
    lines = ["    @{", f"        Name = {ps_literal(name)}"]
    if target.dynamic_memory_enabled and target.weight % 100:
        lines.append(f"        # Weight {ps_int(target.weight)} is not a multiple of 100: "
                     f"Priority {ps_int(target.priority)} drops the remainder.")
    return [*lines, f"        Settings = @{{ {settings} }}",
            f"        WhileRunning = @{{ {running} }}", "    }"]


def _sp1_entry(name: str, target: MemorySettings) -> list[str]:
    values = [f"DynamicMemoryEnabled = {'$true' if target.dynamic_memory_enabled else '$false'}",
              f"StartupMB = {ps_int(target.startup_mb)}"]
    if target.dynamic_memory_enabled:
        values += [f"MaximumMB = {ps_int(target.maximum_mb)}",
                   f"Buffer = {ps_int(target.buffer_percent)}"]
    values.append(f"Weight = {ps_int(target.weight)}")
    return ["    @{", f"        Name = {ps_literal(name)}",
            f"        Settings = @{{ {'; '.join(values)} }}", "    }"]


_SET_VMMEMORY_CODE = r"""# ---- Code: the same text for every scenario; names come only from the data. ----
# The property of Get-VMMemory's answer that each Set-VMMemory parameter sets.
$CurrentProperty = @{ DynamicMemoryEnabled = 'DynamicMemoryEnabled'; StartupBytes = 'Startup'; MinimumBytes = 'Minimum'; MaximumBytes = 'Maximum'; Buffer = 'Buffer'; Priority = 'Priority' }

function Get-MemoryChange {
    # The wanted settings that differ from the current ones, as Set-VMMemory parameters.
    param([hashtable]$Entry, $Memory)
    $change = @{}
    foreach ($parameter in @($Entry.Settings.Keys)) {
        if ($Entry.Settings[$parameter] -ne $Memory.($CurrentProperty[$parameter])) {
            $change[$parameter] = $Entry.Settings[$parameter]
        }
    }
    return $change
}

function Get-OffOnlyChange {
    # The changes this host version refuses while the VM runs.
    param([hashtable]$Entry, [hashtable]$Change, $Memory)
    foreach ($parameter in @($Change.Keys | Sort-Object)) {
        $wanted = $Change[$parameter]
        $current = $Memory.($CurrentProperty[$parameter])
        $rule = $Entry.WhileRunning[$parameter]
        $allowed = ($rule -eq 'Any') -or ($rule -eq 'Lower' -and $wanted -lt $current) -or ($rule -eq 'Raise' -and $wanted -gt $current)
        if (-not $allowed) { $parameter }
    }
}

function Format-Parameter {
    # One Set-VMMemory parameter as it would be typed, for -WhatIf and messages.
    param([string]$Name, $Value)
    if ($Value -is [bool]) { return ('-{0} ${1}' -f $Name, $Value.ToString().ToLowerInvariant()) }
    if ($Name.EndsWith('Bytes')) { return ('-{0} {1}MB' -f $Name, [long]($Value / 1MB)) }
    return ('-{0} {1}' -f $Name, $Value)
}

$changed = 0
$unchanged = 0
$notDone = 0
$skipped = 0
Write-Host ('Memory settings of scenario ''{0}'' for host {1}.' -f $ScenarioName, $ComputerName)
$allVms = @(Get-VM -ComputerName $ComputerName)
foreach ($entry in $VirtualMachines) {
    $name = $entry.Name
    # Not Get-VM -Name: that parameter takes wildcards, so a VM named a* or [x] would
    # match other VMs. -eq compares whole names, ignoring case as Hyper-V does.
    $found = @($allVms | Where-Object { $_.Name -eq $name })
    if ($found.Count -eq 0) {
        Write-Warning ('VM ''{0}'' was not found on {1}: skipped.' -f $name, $ComputerName)
        $skipped++
        continue
    }
    if ($found.Count -gt 1) {
        Write-Warning ('{0} VMs on {1} are named ''{2}'': skipped (which one is meant?).' -f $found.Count, $ComputerName, $name)
        $skipped++
        continue
    }
    $vm = $found[0]
    $memory = Get-VMMemory -VM $vm
    $change = Get-MemoryChange -Entry $entry -Memory $memory
    if ($change.Count -eq 0) {
        Write-Host ('VM ''{0}'': already as wanted.' -f $name)
        $unchanged++
        continue
    }
    $state = [string]$vm.State
    if ($state -ne 'Off') {
        $offOnly = @(Get-OffOnlyChange -Entry $entry -Change $change -Memory $memory)
        if ($offOnly.Count -gt 0) {
            Write-Warning ('VM ''{0}'' is {1}: it must be Off to change {2} on this host version; skipped. Turn it off and run the script again.' -f $name, $state, ($offOnly -join ', '))
            $skipped++
            continue
        }
    }
    $action = 'Set-VMMemory ' + ((@($change.Keys | Sort-Object) | ForEach-Object { Format-Parameter $_ $change[$_] }) -join ' ')
    if (-not $PSCmdlet.ShouldProcess($name, $action)) {
        $notDone++
        continue
    }
    try {
        Set-VMMemory -VM $vm @change -Confirm:$false
        Write-Host ('VM ''{0}'': {1}' -f $name, $action)
        $changed++
    }
    catch {
        Write-Warning ('VM ''{0}'': {1} failed: {2}' -f $name, $action, $_.Exception.Message)
        $skipped++
    }
}
Write-Host ('{0} changed, {1} already as wanted, {2} not changed (-WhatIf or declined), {3} skipped.' -f $changed, $unchanged, $notDone, $skipped)
if ($skipped -gt 0) { exit 1 }
exit 0
"""

# EnabledState 3 (Disabled) is the CIM value for a VM that is off; the GUID test
# tells VMs from the host's own Msvm_ComputerSystem (named after the host) [INF].
_SP1_CODE = r"""# ---- Code: the same text for every scenario; names come only from the data. ----
# A VM's Msvm_ComputerSystem (WMI v1) has its GUID as Name and its name as
# ElementName; the host's own entry is named after the host, not a GUID. Names are
# compared here, never in a WQL -Filter, so no name is read as part of a query.
$GuidPattern = '^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$'
$EnabledStateOff = 3
$listed = 0
$skipped = 0
Write-Host ('Memory settings of scenario ''{0}'' for host {1}.' -f $ScenarioName, $ComputerName)
$allVms = @(Get-WmiObject -ComputerName $ComputerName -Namespace 'root\virtualization' -Class 'Msvm_ComputerSystem' | Where-Object { $_.Name -match $GuidPattern })
foreach ($entry in $VirtualMachines) {
    $name = $entry.Name
    $found = @($allVms | Where-Object { $_.ElementName -eq $name })
    if ($found.Count -eq 0) {
        Write-Warning ('VM ''{0}'' was not found on {1}: skipped.' -f $name, $ComputerName)
        $skipped++
        continue
    }
    if ($found.Count -gt 1) {
        Write-Warning ('{0} VMs on {1} are named ''{2}'': skipped (which one is meant?).' -f $found.Count, $ComputerName, $name)
        $skipped++
        continue
    }
    $settings = $entry.Settings
    Write-Host ('VM ''{0}'': in Hyper-V Manager, Settings > Memory, set:' -f $name)
    if ($settings.DynamicMemoryEnabled) {
        Write-Host '    Memory: Dynamic'
        Write-Host ('    Startup RAM: {0} MB' -f $settings.StartupMB)
        Write-Host ('    Maximum RAM: {0} MB' -f $settings.MaximumMB)
        Write-Host ('    Memory buffer: {0} %' -f $settings.Buffer)
    }
    else {
        Write-Host '    Memory: Static'
        Write-Host ('    Startup RAM: {0} MB' -f $settings.StartupMB)
    }
    Write-Host ('    Memory weight: {0} of 10000 (the slider''s centre is 5000)' -f $settings.Weight)
    if ($found[0].EnabledState -ne $EnabledStateOff) {
        Write-Warning ('VM ''{0}'' is not off (EnabledState {1}): shut it down before changing its memory.' -f $name, $found[0].EnabledState)
    }
    $listed++
}
Write-Host ('{0} listed, {1} skipped. Nothing was changed.' -f $listed, $skipped)
if ($skipped -gt 0) { exit 1 }
exit 0
"""
