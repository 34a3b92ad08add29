"""`make bench`: ratios measured side by side in one run (no absolute timings are judged)."""
