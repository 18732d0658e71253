"""Translate a folder: walk it, skip what is done, translate, write atomically, record.

- ``layout``: the folder checks, the walk, each input's output names (``plan_outputs``),
  and both as a stream, folder by folder (``iter_planned``);
- ``settings``: what a run is asked for (``BatchSettings``) and the settings fingerprint;
- ``urls``: a URL list's pages as inputs (``read_url_list``, ``url_name``, and
  ``iter_planned_urls``: each page fetched as planning reaches it);
- ``run``: the run (``execute_batch``): plan, feed an executor work units, write, record;
- the manifest it records in is ``translator.manifest``; outputs are written by
  ``translator.output``.
"""

from translator.batch.layout import (
    INDEX_NAME,
    PlannedInput,
    check_folders,
    find_inputs,
    iter_planned,
    matches_patterns,
    plan_outputs,
    remove_stale_temporaries,
)
from translator.batch.run import (
    UNIT_SENTENCES,
    BatchProgress,
    BatchProgressCallback,
    BatchReport,
    FileOutcome,
    execute_batch,
    write_index,
)
from translator.batch.settings import DEFAULT_PATTERNS, BatchSettings, settings_fingerprint
from translator.batch.urls import iter_planned_urls, read_url_list, url_name
from translator.manifest import (
    MANIFEST_NAME,
    FileStatus,
    Manifest,
    ManifestRecord,
    read_manifest,
)
from translator.output import output_names

__all__ = [
    "DEFAULT_PATTERNS",
    "INDEX_NAME",
    "MANIFEST_NAME",
    "UNIT_SENTENCES",
    "BatchProgress",
    "BatchProgressCallback",
    "BatchReport",
    "BatchSettings",
    "FileOutcome",
    "FileStatus",
    "Manifest",
    "ManifestRecord",
    "PlannedInput",
    "check_folders",
    "execute_batch",
    "find_inputs",
    "iter_planned",
    "iter_planned_urls",
    "matches_patterns",
    "output_names",
    "plan_outputs",
    "read_manifest",
    "read_url_list",
    "remove_stale_temporaries",
    "settings_fingerprint",
    "url_name",
    "write_index",
]
