"""The model registry: the project's own file, and strict parsing of any other."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from translator import config
from translator.errors import ModelNotFoundError, TranslatorError
from translator.registry import (
    ModelEntry,
    is_commit_hash,
    load_registry,
    parse_registry,
    registry_path,
)

PROJECT_REGISTRY = Path(config.__file__).parent / "registry.toml"

VALID_ENTRY = """
[models.tiny]
hub_id = "tiny-org/tiny"
revision = "0123456789abcdef0123456789abcdef01234567"
task = "translation"
licence = "MIT"
size_mb = 1
"""


# --- the project's registry ----------------------------------------------------------------


# Licences a model may ship under (SPDX identifiers): permissive ones the project can
# redistribute alongside its own MIT code.
KNOWN_LICENCES = frozenset({"Apache-2.0", "MIT", "BSD-3-Clause", "BSD-2-Clause", "CC-BY-4.0"})
README = Path(__file__).resolve().parent.parent / "README.md"


def _readme_models() -> list[tuple[str, str, str, str, bool]]:
    """The README's model table: (alias, task, hub id, licence, default) per row."""
    rows = re.findall(
        r"^\| `([^`]+)`( \(default\))?[^|]* \| (\w+) \| (\S+) \| (\S+) \|$",
        README.read_text(encoding="utf-8"),
        re.M,
    )
    return [
        (alias, task, hub, licence, bool(default)) for alias, default, task, hub, licence in rows
    ]


def test_project_registry_is_the_readmes_model_table() -> None:
    registry = load_registry(PROJECT_REGISTRY)
    table = _readme_models()
    assert table
    assert [(e.alias, e.task, e.hub_id, e.licence, e.default) for e in registry.entries] == table


def test_every_project_alias_and_hub_id_resolves_to_its_entry() -> None:
    registry = load_registry(PROJECT_REGISTRY)
    assert registry.entries
    assert len(set(registry.aliases)) == len(registry.aliases)
    for entry in registry.entries:
        assert registry.get(entry.alias) == entry
        assert registry.find(entry.hub_id) == entry
        assert registry.find(entry.hub_id.upper()) == entry  # hub ids in any case
        assert registry.find(entry.alias.upper()) is None  # aliases are exact


def test_project_defaults_are_the_cli_defaults() -> None:
    registry = load_registry(PROJECT_REGISTRY)
    defaults = {entry.task: entry.hub_id for entry in registry.defaults()}
    assert defaults == {
        "translation": config.DEFAULT_TRANSLATION_MODEL,
        "summarization": config.DEFAULT_SUMMARIZATION_MODEL,
    }


def test_project_licences_are_known_spdx_identifiers() -> None:
    entries = load_registry(PROJECT_REGISTRY).entries
    assert entries
    assert {entry.licence for entry in entries} <= KNOWN_LICENCES


def test_project_pins_are_full_commit_hashes() -> None:
    entries = load_registry(PROJECT_REGISTRY).entries
    pinned = [entry for entry in entries if entry.pinned_to_commit]
    assert pinned
    for entry in entries:
        full_hash = re.fullmatch(r"[0-9a-f]{40}", entry.revision) is not None
        assert entry.pinned_to_commit == full_hash, entry


def test_project_revisions_are_commits_or_explained() -> None:
    text = PROJECT_REGISTRY.read_text(encoding="utf-8")
    for entry in load_registry(PROJECT_REGISTRY).entries:
        if entry.pinned_to_commit:
            continue
        # An unpinned entry needs a comment in its table saying why.
        block = text.split(f"[models.{entry.alias}]", 1)[1].split("\n[", 1)[0]
        assert "#" in block, f"{entry.alias} is pinned to {entry.revision!r} without a comment"


def test_registry_path_defaults_to_the_project_file(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TRANSLATOR_REGISTRY", raising=False)
    assert registry_path() == PROJECT_REGISTRY
    assert load_registry() == load_registry(PROJECT_REGISTRY)


def test_registry_path_follows_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    custom = tmp_path / "registry.toml"
    custom.write_text(VALID_ENTRY, encoding="utf-8")
    monkeypatch.setenv("TRANSLATOR_REGISTRY", str(custom))
    assert registry_path() == custom
    assert load_registry().aliases == ("tiny",)


# --- lookups ------------------------------------------------------------------------------


def test_find_by_alias_or_hub_id_in_any_case() -> None:
    registry = load_registry(PROJECT_REGISTRY)
    by_alias = registry.find("opus-mt-de-en")
    assert by_alias is not None
    assert registry.find("Helsinki-NLP/opus-mt-de-en") == by_alias
    assert registry.find("helsinki-nlp/OPUS-MT-DE-EN") == by_alias
    assert registry.find("OPUS-MT-DE-EN") is None  # aliases are exact
    assert registry.find("Helsinki-NLP/opus-mt-en-de") is None


def test_get_unknown_name_lists_the_aliases() -> None:
    registry = load_registry(PROJECT_REGISTRY)
    with pytest.raises(ModelNotFoundError) as caught:
        registry.get("opus-mt-fr-en")
    message = str(caught.value)
    assert "No model called 'opus-mt-fr-en'" in message
    assert ", ".join(registry.aliases) in message


def test_is_commit_hash() -> None:
    assert is_commit_hash("0123456789abcdef0123456789abcdef01234567")
    assert not is_commit_hash("main")
    assert not is_commit_hash("0123456")  # a short hash is not an exact pin
    assert not is_commit_hash("0123456789ABCDEF0123456789ABCDEF01234567")


# --- parsing ------------------------------------------------------------------------------


def test_valid_entry_parses_with_optional_fields() -> None:
    text = VALID_ENTRY + 'note = "a note"\ndefault = true\n'
    [entry] = parse_registry(text).entries
    assert entry == ModelEntry(
        alias="tiny",
        hub_id="tiny-org/tiny",
        revision="0123456789abcdef0123456789abcdef01234567",
        task="translation",
        licence="MIT",
        size_mb=1,
        note="a note",
        default=True,
    )
    assert entry.pinned_to_commit


def test_empty_registry_has_no_entries() -> None:
    assert parse_registry("").entries == ()


def _replace(key: str, value: str) -> str:
    return re.sub(rf"^{key} = .*$", f"{key} = {value}", VALID_ENTRY, flags=re.MULTILINE)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("[models.tiny\n", "not valid TOML"),
        (VALID_ENTRY.replace('licence = "MIT"\n', ""), "[models.tiny] lacks licence"),
        (VALID_ENTRY + "licence_url = 'x'\n", "unknown key(s) licence_url"),
        (_replace("task", '"translate"'), "task must be one of translation, summarization"),
        (_replace("size_mb", "0"), "size_mb must be a positive whole number"),
        (_replace("size_mb", "1.5"), "size_mb must be a positive whole number"),
        (_replace("size_mb", "true"), "size_mb must be a positive whole number"),
        (_replace("hub_id", '"just-a-name"'), "hub_id 'just-a-name' is not owner/name"),
        (_replace("revision", '""'), "revision is empty"),
        (_replace("revision", "5"), "revision must be a string"),
        (VALID_ENTRY + "default = 'yes'\n", "default must be true or false"),
        (VALID_ENTRY.replace("[models.tiny]", "[models.Tiny]"), "alias 'Tiny' must be"),
        (VALID_ENTRY + "[models.tiny.extra]\nx = 1\n", "unknown key(s) extra"),
        ("models = 3\n", "`models` must be a table"),
        ("[model.tiny]\n", "unknown top-level key(s) model"),
        (
            VALID_ENTRY + VALID_ENTRY.replace("[models.tiny]", "[models.tiny2]"),
            "tiny and tiny2 both name tiny-org/tiny",
        ),
        (
            VALID_ENTRY
            + "default = true\n"
            + VALID_ENTRY.replace("[models.tiny]", "[models.tiny2]").replace(
                "tiny-org/tiny", "tiny-org/tiny2"
            )
            + "default = true\n",
            "tiny and tiny2 are both the translation default",
        ),
    ],
)
def test_malformed_registry_names_the_problem(text: str, problem: str) -> None:
    with pytest.raises(TranslatorError) as caught:
        parse_registry(text, source=Path("test.toml"))
    message = str(caught.value)
    assert problem in message
    assert "test.toml" in message


def test_missing_registry_file_is_not_found_unless_allowed(tmp_path: Path) -> None:
    missing = tmp_path / "nothing.toml"
    with pytest.raises(ModelNotFoundError, match="does not exist"):
        load_registry(missing)
    assert load_registry(missing, missing_ok=True).entries == ()


def test_unreadable_registry_is_an_error(tmp_path: Path) -> None:
    binary = tmp_path / "registry.toml"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(TranslatorError, match="cannot be read"):
        load_registry(binary)
