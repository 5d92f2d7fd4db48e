"""Datasets: readers for the supported layouts, the prepared format, synthetic faces."""
