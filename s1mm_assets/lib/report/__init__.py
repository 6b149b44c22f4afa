"""The dataset report: tables and charts about every partition at once (lib/stages/dataset_report.py runs it)."""
