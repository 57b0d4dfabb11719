"""The Set-VMMemory export (issue 10 §3): injection-proof quoting, proved by parsing.

No PowerShell tokenizer is available here, so this file carries a small lexer for
the parts of PowerShell's syntax that decide where a string ends: single-quoted
literals (five quote characters, doubling), ``#`` and ``<# #>`` comments, and the
exporter's ``('a' + [char]0x000A + 'b')`` concatenations. The proof: whatever a VM
is called, the script's skeleton (every string replaced by a placeholder) is the
benign script's skeleton, and the string that held the benign name decodes to
exactly the new name.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st
from scenario_builders import dm, host, scenario, static, vm

from dmgui import __version__
from dmgui.core.formats.powershell_export import (
    SINGLE_QUOTES,
    powershell_script,
    ps_int,
    ps_literal,
    runtime_rules,
)
from dmgui.core.model.memory import (
    MemoryChangeError,
    MemorySettings,
    VersionProfile,
    check_memory_change,
)

# ---- A PowerShell lexer, only as much as deciding where strings end needs. ----

_CHAR = re.compile(r"\[char\]0x([0-9A-F]{4})")


class LexError(ValueError):
    """The text is not what the lexer expects (an unterminated literal or comment)."""


def _literal(text: str, i: int) -> tuple[str, int]:
    """The value of the single-quoted literal at ``text[i]`` and the index after it."""
    assert text[i] in SINGLE_QUOTES
    i += 1
    out = []
    while i < len(text):
        ch = text[i]
        if ch in SINGLE_QUOTES:
            if i + 1 < len(text) and text[i + 1] in SINGLE_QUOTES:
                out.append(text[i + 1])  # PowerShell keeps the second of the pair
                i += 2
                continue
            return "".join(out), i + 1
        out.append(ch)
        i += 1
    raise LexError("unterminated single-quoted string")


def _concatenation(text: str, i: int) -> tuple[str, int] | None:
    """``('a' + [char]0x000A + ...)`` at ``text[i]``: its value and the index after it."""
    assert text[i] == "("
    i += 1
    if i >= len(text) or text[i] not in SINGLE_QUOTES:
        return None
    value, i = _literal(text, i)
    units = [value]
    while text.startswith(" + ", i):
        i += 3
        match = _CHAR.match(text, i)
        if match:
            units.append(chr(int(match.group(1), 16)))
            i = match.end()
        elif i < len(text) and text[i] in SINGLE_QUOTES:
            part, i = _literal(text, i)
            units.append(part)
        else:
            return None
    if not text.startswith(")", i):
        return None
    joined = "".join(units).encode("utf-16-le", "surrogatepass")
    return joined.decode("utf-16-le", "surrogatepass"), i + 1


def lex(text: str) -> list[tuple[str, str]]:
    """Tokens ``(kind, text)``: kind is 'string' (text = decoded value), 'comment'
    or 'code' (one character)."""
    tokens: list[tuple[str, str]] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch in SINGLE_QUOTES:
            value, i = _literal(text, i)
            tokens.append(("string", value))
        elif text.startswith("<#", i):
            end = text.find("#>", i + 2)
            if end < 0:
                raise LexError("unterminated block comment")
            tokens.append(("comment", text[i:end + 2]))
            i = end + 2
        elif ch == "#":
            end = text.find("\n", i)
            end = len(text) if end < 0 else end
            tokens.append(("comment", text[i:end]))
            i = end
        elif ch == "(" and (found := _concatenation(text, i)) is not None:
            tokens.append(("string", found[0]))
            i = found[1]
        else:
            tokens.append(("code", ch))
            i += 1
    return tokens


def skeleton(text: str, comments: bool = True) -> str:
    """``text`` with every string replaced by ``<S>`` (and comments dropped if asked)."""
    return "".join("<S>" if kind == "string" else value for kind, value in lex(text)
                   if comments or kind != "comment")


def strings(text: str) -> list[str]:
    return [value for kind, value in lex(text) if kind == "string"]


def test_the_lexer_reads_what_powershell_reads():
    assert lex("'a''b'") == [("string", "a'b")]
    assert lex("'a\u2018\u2019b'") == [("string", "a\u2019b")]
    assert lex("('x' + [char]0x000A + 'y')") == [("string", "x\ny")]
    assert [k for k, _ in lex("a # 'x\nb <# 'y #> c")] == \
        ["code", "code", "comment", "code", "code", "code", "comment", "code", "code"]
    with pytest.raises(LexError):
        lex("'abc")
    with pytest.raises(LexError):
        lex("<# abc")


# ---- ps_literal ----


@pytest.mark.parametrize(("text", "expected"), [
    ("VM-01", "'VM-01'"),
    ("", "''"),
    ("x'; Remove-VM * -Force; '", "'x''; Remove-VM * -Force; '''"),
    ("$(Remove-VM *)", "'$(Remove-VM *)'"),
    ("a\nb", "('a' + [char]0x000A + 'b')"),
    ("\n", "('' + [char]0x000A)"),
    ("\u2019", "('' + [char]0x2019)"),
    ("B\u00fcro", "('B' + [char]0x00FC + 'ro')"),
    ("\U0001F600", "('' + [char]0xD83D + [char]0xDE00)"),
    ("\ud800", "('' + [char]0xD800)"),
])
def test_ps_literal_examples(text, expected):
    assert ps_literal(text) == expected


@given(st.text() | st.text(alphabet=st.sampled_from(
    "'\u2018\u2019\u201a\u201b\"`$(){}#<>\n\r\t\x00\x85\u2028\u2029 a")))
def test_ps_literal_is_one_ascii_string_that_decodes_to_the_text(text):
    literal = ps_literal(text)
    assert literal.isascii()
    assert all(" " <= ch <= "~" for ch in literal)  # no control character at all
    assert lex(literal) == [("string", text)]


def test_ps_int_takes_only_ints():
    assert ps_int(1024) == "1024"
    for bad in (True, 1.0, "1"):
        with pytest.raises(TypeError):
            ps_int(bad)


# ---- The script: names are data, the code never changes ----

BENIGN = "VM-Benign"
ADVERSARIAL = [
    "x'; Remove-VM * -Force; '",
    "$(Remove-VM *)",
    "`$(Remove-VM *)`",
    "a`nb`",
    '"; Remove-VM * -Force; "',
    "a\nRemove-VM * -Force",
    "a\rRemove-VM *",
    "a\r\n#",
    "a\u2028Remove-VM *",
    "a\u2029b",
    "\x00",
    "a\x85b\x1b[31m",
    *SINGLE_QUOTES,
    *(q * 2 for q in SINGLE_QUOTES),
    "\u2018x\u2019; Remove-VM *; \u201a",
    "a*",
    "[x]",
    "#>",
    "<#",
    "<# Remove-VM * #>",
    "# Remove-VM *",
    "@'\nRemove-VM *\n'@",
    '@"\n$(Remove-VM *)\n"@',
    "\u0112\u00c4\u2019",  # UTF-8 C4 92: a quote if read as Windows-1252
    "\U0001F600",
    "x" * 100,
    "'" * 100,
    "\n" * 100,
    "\u2019'" * 500,
    "",
]


def _scenario(version: str = "2012R2"):
    return scenario([vm(BENIGN, dm(weight=5050)), vm("Other", static(2048))],
                    host(version=version))


def _renamed(sc, name: str):
    """``sc`` with the first VM called ``name``, unvalidated: a real scenario refuses
    control characters in names, the exporter must not rely on that."""
    first = sc.vms[0].model_copy(update={"name": name})
    return sc.model_copy(update={"vms": [first, *sc.vms[1:]]})


def _check_inert(benign_script: str, script: str, benign: str, name: str) -> None:
    assert script.isascii()
    assert skeleton(script) == skeleton(benign_script)
    expected = [name if s == benign else s for s in strings(benign_script)]
    assert strings(script) == expected
    benign_code = skeleton(benign_script, comments=False)
    if name and name not in benign_code:
        assert name not in skeleton(script, comments=False)


@pytest.mark.parametrize("version", ["2012R2", "2016", "2008R2SP1"])
@pytest.mark.parametrize("name", ADVERSARIAL)
def test_an_adversarial_vm_name_is_an_inert_literal(version, name):
    sc = _scenario(version)
    benign_script = powershell_script(sc)
    assert strings(benign_script).count(BENIGN) == 1
    _check_inert(benign_script, powershell_script(_renamed(sc, name)), BENIGN, name)


@given(st.text())
def test_any_vm_name_is_an_inert_literal(name):
    sc = _scenario()
    _check_inert(powershell_script(sc), powershell_script(_renamed(sc, name)),
                 BENIGN, name)


@pytest.mark.parametrize("name", ADVERSARIAL)
def test_an_adversarial_host_or_scenario_name_is_an_inert_literal(name):
    sc = _scenario()
    benign_host = "HV-Benign"
    _check_inert(powershell_script(sc, benign_host), powershell_script(sc, name),
                 benign_host, name)
    named = sc.model_copy(update={"name": "Scenario-Benign"})
    _check_inert(powershell_script(named),
                 powershell_script(sc.model_copy(update={"name": name})),
                 "Scenario-Benign", name)


def test_a_validated_scenario_with_hostile_names_exports_inert_literals():
    """The same proof through the scenario model (names it accepts: no controls)."""
    names = ["x'; Remove-VM * -Force; '", "$(Remove-VM *)", "\u2018a\u2019", "a*"]
    benign = scenario([vm(f"VM{i}") for i in range(len(names))])
    hostile = scenario([vm(n) for n in names])
    script = powershell_script(hostile)
    assert skeleton(script) == skeleton(powershell_script(benign))
    assert [s for s in strings(script) if s in names] == names


def test_the_script_has_no_double_quoted_string_or_here_string():
    for version in ("2012R2", "2016", "2008R2SP1"):
        code = skeleton(powershell_script(_scenario(version)), comments=False)
        assert '"' not in code
        assert "@'" not in code and '@"' not in code
        assert "`" not in code


def test_the_vm_is_looked_up_by_exact_name_not_by_wildcard():
    script = powershell_script(_scenario())
    assert "Get-VM -Name" not in skeleton(script, comments=False)
    assert "# Not Get-VM -Name: that parameter takes wildcards" in script  # says why
    assert "Where-Object { $_.Name -eq $name }" in script
    assert "Set-VMMemory -VM $vm @change" in script


# ---- What the script sets, per host version ----


def _entries(script: str) -> list[dict]:
    """The data table: per VM its name, Settings and WhileRunning (values as text)."""
    entries = []
    for block in re.findall(r"    @\{\n(.*?)\n    \}", script, re.DOTALL):
        entry: dict = {}
        for line in block.splitlines():
            key, _, value = line.strip().partition(" = ")
            if key == "Name":
                entry["Name"] = strings(value)[0]
            elif key in ("Settings", "WhileRunning"):
                pairs = value.removeprefix("@{ ").removesuffix(" }").split("; ")
                entry[key] = dict(p.split(" = ") for p in pairs)
        entries.append(entry)
    return entries


@pytest.mark.parametrize("version", ["2012R2", "2016"])
def test_set_vmmemory_hosts_get_every_parameter(version):
    script = powershell_script(_scenario(version))
    dynamic, fixed = _entries(script)
    assert dynamic["Name"] == BENIGN
    assert dynamic["Settings"] == {
        "DynamicMemoryEnabled": "$true", "StartupBytes": "1024MB",
        "MinimumBytes": "512MB", "MaximumBytes": "4096MB", "Buffer": "20",
        "Priority": "50"}
    assert fixed["Settings"] == {"DynamicMemoryEnabled": "$false",
                                 "StartupBytes": "2048MB"}
    assert "[CmdletBinding(SupportsShouldProcess = $true)]" in script
    assert "$PSCmdlet.ShouldProcess($name, $action)" in script
    assert "Set-StrictMode -Version Latest" in script
    assert "$ErrorActionPreference = 'Stop'" in script
    assert f"Generated by dmgui {__version__}" in script
    assert "-WhatIf" in script
    assert "if ($skipped -gt 0) { exit 1 }" in script


def test_running_rules_follow_the_version():
    dyn12, static12 = _entries(powershell_script(_scenario("2012R2")))
    assert dyn12["WhileRunning"] == {
        "DynamicMemoryEnabled": "'Off'", "StartupBytes": "'Off'",
        "MinimumBytes": "'Lower'", "MaximumBytes": "'Raise'", "Buffer": "'Any'",
        "Priority": "'Any'"}
    assert static12["WhileRunning"] == {"DynamicMemoryEnabled": "'Off'",
                                        "StartupBytes": "'Off'"}
    _dyn16, static16 = _entries(powershell_script(_scenario("2016")))
    assert static16["WhileRunning"] == {"DynamicMemoryEnabled": "'Off'",
                                        "StartupBytes": "'Any'"}


def _allowed_by_rules(rules: dict, target: MemorySettings, current: MemorySettings) -> bool:
    """What the script's Get-OffOnlyChange decides, in Python."""
    fields = {"DynamicMemoryEnabled": "dynamic_memory_enabled", "StartupBytes": "startup_mb",
              "MinimumBytes": "minimum_mb", "MaximumBytes": "maximum_mb",
              "Buffer": "buffer_percent", "Priority": "weight"}
    for parameter, rule in rules.items():
        wanted, now = getattr(target, fields[parameter]), getattr(current, fields[parameter])
        if wanted != now and not (rule == "Any" or (rule == "Lower" and wanted < now)
                                  or (rule == "Raise" and wanted > now)):
            return False
    return True


@given(version=st.sampled_from([VersionProfile.WS2012R2, VersionProfile.WS2016]),
       dynamic=st.booleans(),
       startup=st.sampled_from([1024, 2048]), minimum=st.sampled_from([256, 512, 1024]),
       maximum=st.sampled_from([2048, 4096]), buffer=st.sampled_from([10, 20]),
       weight=st.sampled_from([0, 5000, 10000]))
def test_running_rules_agree_with_check_memory_change(version, dynamic, startup,
                                                      minimum, maximum, buffer, weight):
    """The script's run-time decision is the model's, for any current settings of
    the same mode (a mode change always needs the VM off)."""
    target = MemorySettings(dynamic_memory_enabled=dynamic, startup_mb=1024,
                            minimum_mb=512, maximum_mb=4096, buffer_percent=20,
                            weight=5000)
    current = MemorySettings(dynamic_memory_enabled=dynamic, startup_mb=startup,
                             minimum_mb=minimum, maximum_mb=maximum,
                             buffer_percent=buffer, weight=weight)
    if not dynamic:  # static VMs are given only the mode and Startup
        current = current.model_copy(update={"minimum_mb": 512, "maximum_mb": 4096,
                                             "buffer_percent": 20, "weight": 5000})
    try:
        check_memory_change(current, target, version, "VM", running=True)
        model_allows = True
    except MemoryChangeError:
        model_allows = False
    assert _allowed_by_rules(runtime_rules(target, version), target, current) \
        == model_allows


def test_priority_is_weight_floor_divided_by_100():
    sc = scenario([vm("A", dm(weight=5050)), vm("B", dm(weight=9999)),
                   vm("C", dm(weight=10000)), vm("D", dm(weight=0))])
    script = powershell_script(sc)
    assert [e["Settings"]["Priority"] for e in _entries(script)] == ["50", "99", "100", "0"]
    assert "# Weight 5050 is not a multiple of 100: Priority 50 drops the remainder." \
        in script
    assert "# Weight 9999 is not a multiple of 100: Priority 99" in script
    assert "Weight 10000" not in script and "Weight 0 " not in script


def test_2008r2sp1_has_no_minimum_and_says_there_is_no_module():
    sc = _renamed(_scenario("2008R2SP1"), BENIGN)
    script = powershell_script(sc)
    header = script.split("[CmdletBinding")[0]
    assert "Windows Server 2008 R2 SP1 has no Hyper-V PowerShell module" in header
    assert "changes" in header and "nothing" in header
    assert "Minimum" not in skeleton(script, comments=False)
    assert "-MinimumBytes" not in script and "Set-VMMemory -VM" not in script
    assert "Get-VM " not in script and "Get-WmiObject" in script
    assert "root\\virtualization" in script
    dynamic, fixed = _entries(script)
    assert dynamic["Settings"] == {"DynamicMemoryEnabled": "$true", "StartupMB": "1024",
                                   "MaximumMB": "4096", "Buffer": "20", "Weight": "5050"}
    assert fixed["Settings"] == {"DynamicMemoryEnabled": "$false", "StartupMB": "2048",
                                 "Weight": "5000"}
    assert "$_.ElementName -eq $name" in script and "-Filter" not in \
        skeleton(script, comments=False)


def test_header_names_the_version_and_how_to_run():
    for version, label in (("2012R2", "Windows Server 2012 R2"),
                           ("2016", "Windows Server 2016 or later")):
        script = powershell_script(_scenario(version), script_name="apply.ps1")
        header = script.split("[CmdletBinding")[0]
        assert label in header
        assert ".\\apply.ps1 -WhatIf" in header
    risky = powershell_script(_scenario(), script_name="a\n$(x).ps1")
    assert ".\\this-script.ps1 -WhatIf" in risky


def test_computer_name_defaults_to_the_host_or_the_option():
    sc = _scenario()
    assert "[string]$ComputerName = 'HV01'" in powershell_script(sc)
    assert "[string]$ComputerName = 'HV-07'" in powershell_script(sc, "HV-07")


def test_sp1_ignores_a_scenario_minimum_below_startup():
    """A 2008 R2 SP1 scenario may carry a minimum; Hyper-V stores Minimum = Startup."""
    sc = scenario([vm("A", dm(startup=1024, minimum=512))], host(version="2008R2SP1"))
    (entry,) = _entries(powershell_script(sc))
    assert "Minimum" not in " ".join(entry["Settings"]) and \
        entry["Settings"]["StartupMB"] == "1024"


def test_an_empty_scenario_gives_an_empty_table():
    script = powershell_script(scenario([]))
    assert "$VirtualMachines = @(\n)" in script
    assert _entries(script) == []
