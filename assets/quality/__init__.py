"""Quality stage: Great Expectations 1.x suites (`schemas/expectations/`) validated part by part
(`gx`, plain) and run as Dagster asset checks (`checks`)."""
