"""Partitions are the unit of parallel work.

One dynamic partition set, `sources`: a small corpus family is one partition (`essays`), a
family of large dumps has one partition per file (`reddit_pushshift:RC_2019-10.zst`). Every
partitioned stage (ingest, parse, contours, privacy) shares it, so a new dump flows through the
whole graph as one partition. The corpus-files sensor registers new keys."""

from dagster import DynamicPartitionsDefinition

source_partitions = DynamicPartitionsDefinition(name="sources")
