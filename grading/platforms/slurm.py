"""Grade a class on a Slurm cluster: one array task per student, then one
job that writes the gradebook.

`submit_class` submits, with `nin.launch.slurm` (one `sbatch --array`
call, tasks requeued when preempted), a task per student that runs

    grade.py SUBMISSIONS --out OUT --only=STUDENT --no-gradebook ...

with the TA's settings: the same sandboxed worker, limits, rubric and
re-measurement as on one machine, the student's own files written
(`OUT/STUDENT/results.json`, `feedback.md`, `grader.log`,
`fingerprints.json`) and the task's output appended to
`OUT/STUDENT/slurm.log`. A second job, started once every task has ended
whatever its outcome (`--dependency=afterany`), runs

    grade.py SUBMISSIONS --out OUT --gradebook-only ...

which flags copies across the class and writes `OUT/gradebook.csv`, as a
class graded on one machine ends. A student whose task failed has the
row "not graded" (or their previous grading's) and `--status` says
which task it was. The submission records sit in `OUT/.slurm/`.
"""

from pathlib import Path

from grading.grader import list_students
from grading.report.results import GRADEBOOK, read_result
from nin.launch.slurm import Task, cancel, submit_tasks, task_states

MODULE = "grading.cli"
LOG = "slurm.log"
GRADEBOOK_KEY = "gradebook"


def shared_argv(args):
    """The grade.py options every task repeats (paths made absolute, so a
    task finds them from any folder)."""
    argv = [str(Path(args.submissions).resolve()),
            f"--out={Path(args.out).resolve()}",
            f"--dataset={args.dataset}", f"--precision={args.precision}",
            f"--device={args.device}", f"--memory-mb={args.memory_mb:g}"]
    if args.data_dir is not None:
        argv.append(f"--data-dir={Path(args.data_dir).resolve()}")
    if args.rubric is not None:
        argv.append(f"--rubric={Path(args.rubric).resolve()}")
    if args.timeout is not None:
        argv.append(f"--timeout={args.timeout:g}")
    return argv


def student_tasks(args):
    """One task per student to grade (every student, or --only one)."""
    students = list_students(args.submissions)
    if args.only is not None and args.only not in students:
        raise ValueError(f"--only {args.only!r}: no such student in "
                         f"{args.submissions}. Students: "
                         f"{', '.join(students)}")
    out = Path(args.out).resolve()
    return [Task(name=name,
                 argv=(*shared_argv(args), f"--only={name}",
                       "--no-gradebook"),
                 log=str(out / name / LOG), key=str(out / name))
            for name in students if args.only in (None, name)]


def submit_class(args):
    """Submit the students' array and the gradebook job after it; returns
    (array job id, gradebook job id, number of students)."""
    out = Path(args.out).resolve()
    tasks = student_tasks(args)
    if not tasks:
        raise ValueError(f"no students in {args.submissions}")
    array, _ = submit_tasks(tasks, out, "grade", MODULE, args.slurm_args)
    gradebook = Task(name="gradebook",
                     argv=(*shared_argv(args), "--gradebook-only"),
                     log=str(out / ".slurm" / "gradebook.log"),
                     key=GRADEBOOK_KEY)
    try:
        final, _ = submit_tasks([gradebook], out, "gradebook", MODULE,
                                args.slurm_args, after=array)
    except ValueError:
        cancel(array)  # a class without its gradebook job is not left
        raise
    return array, final, len(tasks)


def status_lines(args):
    """One line per student: graded (score) or not, and the latest Slurm
    task of that student with its state; then the gradebook's."""
    out = Path(args.out).resolve()
    states = task_states(out)
    lines = []
    for name in list_students(args.submissions):
        result = read_result(out / name)
        where = "not graded" if result is None else (
            f"graded {result['score']:g} / "
            f"{result['extra_data']['max_score']:g} "
            f"({result['extra_data']['status']})")
        task = _task_text(states.get(str(out / name)))
        lines.append(f"{name}: {where}{task}")
    gradebook = out / GRADEBOOK
    lines.append(f"gradebook: {gradebook if gradebook.is_file() else 'none'}"
                 f"{_task_text(states.get(GRADEBOOK_KEY))}")
    return lines


def _task_text(entry):
    if entry is None:
        return ""
    task, state = entry
    return f"; Slurm task {task} {state or 'ended'}"
