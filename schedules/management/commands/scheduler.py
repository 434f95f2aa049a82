import logging
import signal
import time

from django.core.management.base import BaseCommand
from django.db import DatabaseError, close_old_connections

from schedules.jobs import TICK_SECONDS, scheduled_jobs
from schedules.services import tick

logger = logging.getLogger("schedules")


class Command(BaseCommand):
    help = (
        "Enqueue the periodic tasks at their times (run one next to the task worker; more "
        "are harmless, each job runs once). Also records the scheduler's heartbeat and "
        "has the worker record its own every minute."
    )

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="Run one tick and stop.")

    def handle(self, *args, once, **options):
        for job in scheduled_jobs():
            self.stdout.write(f"{job.name}: {job.schedule}")
        self.stdout.flush()
        if once:
            self.run_tick()
            return
        self.stopping = False
        signal.signal(signal.SIGTERM, self.stop)
        signal.signal(signal.SIGINT, self.stop)
        logger.info("Scheduler started")
        while not self.stopping:
            self.run_tick()
            self.sleep_until_next_tick()
            # As a request would: a connection the database dropped meanwhile is replaced.
            close_old_connections()
        logger.info("Scheduler stopped")

    def run_tick(self):
        try:
            tick()  # Logs each job it enqueues.
        except DatabaseError:
            # The database is away (restarting, failing over): try again next tick.
            logger.exception("Scheduler tick failed")

    def sleep_until_next_tick(self):
        # A second past the tick, so a job due on the tick is never a tick early.
        wake_at = (time.time() // TICK_SECONDS + 1) * TICK_SECONDS + 1
        while not self.stopping and time.time() < wake_at:
            time.sleep(min(1, wake_at - time.time()))

    def stop(self, signum, frame):
        self.stopping = True
