"""The committed Stripe samples in events/ are exactly what `python -m testing.webhook_samples`
writes, so the builders the tests use and the samples `sam local invoke` uses cannot drift."""

from __future__ import annotations

import pytest

from local.cfn import ROOT
from testing.webhook_samples import sample_files

SAMPLES = sample_files()


@pytest.mark.parametrize("path", SAMPLES, ids=lambda path: str(path.relative_to(ROOT)))
def test_the_committed_sample_is_what_the_builders_write(path):
    assert path.read_text() == SAMPLES[path]
