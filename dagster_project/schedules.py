"""Daily full refresh: every known partition is re-checked; unchanged files are skipped by the
ingest stage itself, so the schedule is cheap when nothing changed."""

from dagster import RunRequest, ScheduleEvaluationContext, schedule

from assets.platform.partitions import source_partitions
from dagster_project.jobs import partition_job


@schedule(job=partition_job, cron_schedule="0 3 * * *", execution_timezone="UTC")
def daily_full_refresh(context: ScheduleEvaluationContext):
    """Run every source partition once a day."""
    day = context.scheduled_execution_time.strftime("%Y-%m-%d")
    for key in source_partitions.get_partition_keys(dynamic_partitions_store=context.instance):
        yield RunRequest(run_key=f"{day}:{key}", partition_key=key)


SCHEDULES = [daily_full_refresh]
