"""`shouhu worker`: runs background tasks and schedules periodic jobs."""

from __future__ import annotations

import os
import signal
import socket
import time
from types import FrameType
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections
from django.utils.crypto import get_random_string
from django_tasks_db.management.commands.db_worker import Worker

from shouhu.core.periodic import schedule_due_jobs


class Command(BaseCommand):
    help = "运行后台任务处理进程（含定期任务调度）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--interval", type=float, default=1.0, help="空闲时轮询间隔（秒）")
        parser.add_argument("--loops", type=int, default=None, help="循环次数后退出（测试用）")
        parser.add_argument("--queue", default="default")

    def handle(self, *args: Any, interval: float, loops: int | None, queue: str, **options: Any) -> None:
        worker_id = f"{socket.gethostname()}-{os.getpid()}-{get_random_string(6)}"
        self.running = True
        signal.signal(signal.SIGTERM, self._stop)
        signal.signal(signal.SIGINT, self._stop)
        self.stdout.write(f"后台任务进程 {worker_id} 已启动")
        done = 0
        while self.running and (loops is None or done < loops):
            close_old_connections()
            schedule_due_jobs(worker_id=worker_id)
            # Batch mode drains the ready tasks, then returns so we can schedule again.
            Worker(
                queue_names=[queue],
                interval=0,
                batch=True,
                backend_name="default",
                startup_delay=False,
                max_tasks=None,
                worker_id=worker_id,
                excluded_queue_names=[],
            ).run()
            done += 1
            if self.running and (loops is None or done < loops):
                time.sleep(interval)
        self.stdout.write(f"后台任务进程 {worker_id} 已退出")

    def _stop(self, signum: int, frame: FrameType | None) -> None:
        self.running = False
