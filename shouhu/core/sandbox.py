"""Parsing an uploaded file in a child process under a memory and a time limit, so a file that
gets past the checks (`core.office_guard`) and still makes a parser grow without end fails that
one import, not the process that asked (a web worker, the background worker, the command line).

`iter_in_child(fn, *args)` forks; the child lowers its own limits and runs `fn(*args)` (a
generator), sending what it yields back through a pipe in batches; the parent yields them on as
they come. `call_in_child(fn, *args)` is the same for a function that returns one value. An
exception the child raises is raised again in the parent (the parsers' own errors keep their
messages). A child that runs out of memory (MemoryError, or a Rust allocation failure that
aborts), uses up its CPU time, stays silent for longer than that, or dies any other way becomes
`ParseLimitExceeded` with a Chinese message: "文件过大或格式异常：…".

Limits, from settings:
- `SHOUHU_PARSE_MEMORY_MB` (default 1024): address space the child may add to what it had when
  forked (RLIMIT_AS = the forked process's size + this; the parent's own libraries are already
  mapped and are not the file's doing).
- `SHOUHU_PARSE_SECONDS` (default 300): the child's CPU time (RLIMIT_CPU) and the longest the
  parent waits for its next batch. The parent's own work between batches is not counted, and
  while the parent works the child waits on the pipe, so the child is never far ahead.

The child is forked (Linux), touches no database connection and leaves with `os._exit`, so the
parent's connections and transactions are untouched.
"""

from __future__ import annotations

import contextlib
import faulthandler
import multiprocessing
import os
import resource
import signal
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any, TypeVar

T = TypeVar("T")
MB = 1024 * 1024
BATCH = 500


class ParseLimitExceeded(Exception):
    """The child went past its memory or time limit, or died."""


@dataclass(frozen=True)
class Budget:
    memory_mb: int
    seconds: int


def budget() -> Budget:
    from django.conf import settings

    return Budget(
        memory_mb=int(getattr(settings, "SHOUHU_PARSE_MEMORY_MB", 1024)),
        seconds=int(getattr(settings, "SHOUHU_PARSE_SECONDS", 300)),
    )


def _address_space() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")


def _limit_self(limits: Budget) -> None:
    try:
        ceiling = _address_space() + limits.memory_mb * MB
    except OSError:  # no /proc: the CPU limit still applies
        ceiling = None
    if ceiling is not None:
        resource.setrlimit(resource.RLIMIT_AS, (ceiling, ceiling))
    used = int(resource.getrusage(resource.RUSAGE_SELF).ru_utime + resource.getrusage(resource.RUSAGE_SELF).ru_stime)
    resource.setrlimit(resource.RLIMIT_CPU, (used + limits.seconds, used + limits.seconds + 5))


def _child(out: Connection, fn: Callable[..., Iterable[Any]], args: tuple[Any, ...], limits: Budget) -> None:
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    os.environ["RUST_BACKTRACE"] = "0"  # a Rust allocation failure: one line on stderr, not a backtrace
    faulthandler.disable()  # an abort here is expected and reported by the parent: no stack dump
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        _limit_self(limits)
        batch: list[Any] = []
        for item in fn(*args):
            batch.append(item)
            if len(batch) >= BATCH:
                out.send(("items", batch))
                batch = []
        out.send(("items", batch))
        peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        out.send(("done", peak_kb))
    except (MemoryError, SystemError):  # SystemError: a C function that could not allocate
        _send_quietly(out, ("memory", None))
    except BaseException as error:
        try:
            out.send(("raise", error))
        except Exception:
            _send_quietly(out, ("raise", RuntimeError(str(error))))
    finally:
        out.close()


def _send_quietly(out: Connection, message: tuple[str, Any]) -> None:
    with contextlib.suppress(Exception):  # out of memory even for that: the exit code tells
        out.send(message)


def _death(exitcode: int | None, limits: Budget) -> str:
    if exitcode in (-signal.SIGXCPU, -signal.SIGALRM):
        return f"读取超过 {limits.seconds} 秒的时间上限"
    if exitcode in (-signal.SIGABRT, -signal.SIGSEGV, -signal.SIGKILL, -signal.SIGBUS):
        return f"读取时内存超出 {limits.memory_mb} MB 上限"
    return f"读取进程意外退出（{exitcode}）"


def _message(detail: str) -> str:
    return f"文件过大或格式异常：{detail}"


@dataclass
class Outcome:
    peak_kb: int | None = None  # the child's peak resident memory (KB), once it has finished


def iter_in_child(
    fn: Callable[..., Iterable[T]], *args: Any, limits: Budget | None = None, outcome: Outcome | None = None
) -> Iterator[T]:
    limits = limits or budget()
    context = multiprocessing.get_context("fork")
    receive, send = context.Pipe(duplex=False)
    process = context.Process(target=_child, args=(send, fn, args, limits), daemon=True)
    process.start()
    send.close()
    try:
        while True:
            if not receive.poll(limits.seconds):
                process.kill()
                raise ParseLimitExceeded(_message(f"读取超过 {limits.seconds} 秒的时间上限"))
            try:
                kind, payload = receive.recv()
            except EOFError:
                process.join()
                raise ParseLimitExceeded(_message(_death(process.exitcode, limits))) from None
            if kind == "items":
                yield from payload
            elif kind == "done":
                if outcome is not None:
                    outcome.peak_kb = payload
                return
            elif kind == "memory":
                raise ParseLimitExceeded(_message(f"读取时内存超出 {limits.memory_mb} MB 上限"))
            else:
                raise payload
    finally:
        receive.close()
        if process.is_alive():
            process.kill()
        process.join()


def call_in_child(fn: Callable[..., T], *args: Any, limits: Budget | None = None) -> T:
    """`fn(*args)` in a child under the limits; its result must pickle."""
    results = list(iter_in_child(_one, fn, args, limits=limits))
    return results[0]  # type: ignore[no-any-return]


def _one(fn: Callable[..., Any], args: tuple[Any, ...]) -> Iterator[Any]:
    yield fn(*args)
