"""One training run, from its configuration to its finished folder:

    config.py      RunConfig: every setting, its check and its flag; the
                   run-name rule; config.json in and out
    runtime.py     what this machine decides when a run starts: precision
                   "auto", XLA, determinism, several GPUs, versions
    run_data.py    the arrays a run trains and evaluates on
    trainer.py     the network behind augmentation, compiled (seed 001)
    loop.py        train(config): resumable, one fit per epoch
    gpu_kernels.py under TensorFlow on a GPU, no train-step op on the CPU
    prefetch.py    the next epoch's shuffled copy, made in the background
    results.py     the end of a run: evaluate, model.keras, results.json
    run_folder.py  LOGDIR/RUN_NAME/: never overwritten, finished or not
"""

from nin.training.config import RunConfig, run_name
from nin.training.loop import RunFinished, RunInterrupted, train

__all__ = ["RunConfig", "RunFinished", "RunInterrupted", "run_name",
           "train"]
