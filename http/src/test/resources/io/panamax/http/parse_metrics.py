#!/usr/bin/env python3
"""Parses Prometheus text (stdin) with the reference parser of prometheus_client and prints what it
understood, one line each, tab-separated:

  family  NAME  TYPE
  sample  NAME  LABEL=VALUE,LABEL=VALUE (sorted)  VALUE

Any format error ends the script with a traceback and a non-zero status."""
import sys

from prometheus_client.parser import text_string_to_metric_families

for family in text_string_to_metric_families(sys.stdin.read()):
    print("family\t%s\t%s" % (family.name, family.type))
    for s in family.samples:
        labels = ",".join("%s=%s" % (k, v) for k, v in sorted(s.labels.items()))
        print("sample\t%s\t%s\t%r" % (s.name, labels, s.value))
