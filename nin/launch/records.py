"""What became of each job: its record, the closing summary table and the
exit code (0 all finished, 3 some diverged, 1 some failed, 130
interrupted)."""

from nin.cli.exit_codes import (
    EXIT_DIVERGED,
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_OK,
)


def record(name, status, results=None, seconds=0.0):
    return {"run": name, "status": status, "results": results,
            "seconds": seconds}


def finished_record(job, results):
    """(record, what to say) for a job whose folder holds a finished run:
    never trained again, even if its settings differ from the asked ones
    (then it counts as failed)."""
    differences = job.other_settings()
    if differences:
        return (record(job.name, "failed (other settings)", results),
                f"{job.run_dir} holds a finished run with other settings: "
                f"{', '.join(differences)}. Not trained; use another "
                "--logdir.")
    diverged = ", diverged" if results.get("diverged") else ""
    return (record(job.name, f"skipped (finished{diverged})", results),
            f"finished in {job.run_dir}")


def summary(records):
    lines = [f"{'run':<14} {'status':<32} {'test acc':>9} {'time':>9}"]
    for entry in records:
        results = entry["results"] or {}
        accuracy = results.get("test_accuracy")
        shown = "-" if accuracy is None else f"{100 * accuracy:.2f}%"
        lines.append(f"{entry['run']:<14} {entry['status']:<32} "
                     f"{shown:>9} {entry['seconds']:>8.1f}s")
    return "\n".join(lines)


def exit_code(records):
    """130 interrupted, 1 some failed, 3 some diverged, else 0."""
    statuses = [entry["status"] for entry in records]
    if "interrupted" in statuses:
        return EXIT_INTERRUPTED
    if any(s.startswith("failed") or s == "not run" for s in statuses):
        return EXIT_FAILED
    if any("diverged" in s for s in statuses):
        return EXIT_DIVERGED
    return EXIT_OK
