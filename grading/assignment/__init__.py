"""The lab as an assignment (issue 21), for the instructor.

    markers.py          the `# BEGIN SOLUTION <part>` blocks: find, blank
    release.json        the parts, which a release blanks, the kit's tests
    release.py          labs/release.py OUT: the starter kit (OUT/student)
                        and the Gradescope autograder (OUT/autograder)
    student_readme.md   the kit's README (the parts' table filled in)
    cli.py              the command line of labs/release.py
    hidden_tests.py     the hidden tests of a submission's code: the
                        sandbox run, then each part judged here
    hidden_runner.py    the one file that imports student code, run as a
                        script inside the sandbox (no grader imports)

The student's side (check, submit) is nin.assignment: the kit ships no
grading/.
"""
