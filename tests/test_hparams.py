"""HParams summaries: written without TensorFlow, read by TensorBoard."""

import os
import subprocess
import sys
import textwrap
from pathlib import Path

from tensorboard import context as tensorboard_context
from tensorboard.backend.event_processing import (
    data_provider,
    plugin_event_multiplexer,
)
from tensorboard.backend.event_processing.event_accumulator import (
    EventAccumulator,
)
from tensorboard.plugins import base_plugin
from tensorboard.plugins.hparams import (
    api_pb2,
    backend_context,
    get_experiment,
    list_session_groups,
    metadata,
)

from callbacks import EpochTensorBoard
from callbacks.hparams import write_hparams
from nin.report.lab_runs import LAB_RUNS, RUN_NAMES
from nin.training.config import RunConfig

REPO = Path(__file__).resolve().parents[1]


def dashboard(logdir, sort_by_test_accuracy=True):
    """(experiment, session groups) as TensorBoard's HParams plugin sees
    them, through its own data provider and request handlers."""
    multiplexer = plugin_event_multiplexer.EventMultiplexer()
    multiplexer.AddRunsFromDirectory(str(logdir))
    multiplexer.Reload()
    context = backend_context.Context(base_plugin.TBContext(
        data_provider=data_provider.MultiplexerDataProvider(
            multiplexer, str(logdir)),
        logdir=str(logdir), multiplexer=multiplexer))
    request = tensorboard_context.RequestContext()
    experiment = get_experiment.Handler(
        request, context, "", api_pb2.GetExperimentRequest()).run()
    order = api_pb2.ORDER_DESC if sort_by_test_accuracy else \
        api_pb2.ORDER_UNSPECIFIED
    groups = list_session_groups.Handler(
        request, context, "", api_pb2.ListSessionGroupsRequest(
            start_index=0, slice_size=100,
            allowed_statuses=[api_pb2.STATUS_UNKNOWN],
            col_params=[api_pb2.ColParams(
                metric=api_pb2.MetricName(group="",
                                          tag="epoch_accuracy"),
                order=order)])).run().session_groups
    return experiment, groups


def hparam_values(group):
    return {name: value.WhichOneof("kind") and getattr(
        value, value.WhichOneof("kind")) for name, value in
        group.hparams.items()}


def metric_values(group):
    """{tag: value} of a session group: the test split's last points."""
    return {value.name.tag: value.value for value in group.metric_values}


def fake_run(logdir, config, test_accuracies):
    run_dir = Path(logdir) / config.run_name
    run_dir.mkdir(parents=True)
    (run_dir / "test").mkdir()
    write_hparams(run_dir / "test", config.hparams(),
                  trial_id=config.run_name, start_time=1_700_000_000)
    callback = EpochTensorBoard(run_dir)
    for epoch, accuracy in enumerate(test_accuracies):
        callback.on_epoch_end(epoch, {
            "loss": 2.0 - epoch, "accuracy": 0.5, "val_loss": 1.5,
            "val_accuracy": accuracy, "learning_rate": 0.1})
    callback.on_train_end()
    return run_dir


def test_the_hparams_of_a_config():
    config = RunConfig(activation="elu", batch_norm=True, he_init=True,
                       dataset="digits", width=0.25, epochs=2, seed=3)
    assert config.hparams() == {
        "activation": "ELU", "BN": True, "WI": True, "model": "nin",
        "dataset": "digits", "seed": 3, "width": 0.25, "epochs": 2,
        "lr": 0.1}
    assert RunConfig().hparams()["activation"] == "ReLU"


def test_the_event_accumulator_sees_the_hparams_plugin_data(tmp_path):
    config = RunConfig(activation="maxout", batch_norm=True)
    write_hparams(tmp_path, config.hparams())
    accumulator = EventAccumulator(str(tmp_path))
    accumulator.Reload()
    assert accumulator.Tags()["tensors"] == [metadata.SESSION_START_INFO_TAG]
    content = accumulator.PluginTagToContent("hparams")
    start = metadata.parse_session_start_info_plugin_data(
        content[metadata.SESSION_START_INFO_TAG])
    assert start.hparams["activation"].string_value == "Maxout"
    assert start.hparams["BN"].bool_value is True
    assert start.hparams["WI"].bool_value is False
    assert start.hparams["width"].number_value == 1.0


def test_the_dashboard_sorts_runs_by_final_test_accuracy(tmp_path):
    fake_run(tmp_path, RunConfig(activation="elu"), [0.9, 0.3])
    fake_run(tmp_path, RunConfig(batch_norm=True), [0.2, 0.6])
    experiment, groups = dashboard(tmp_path)
    assert [(info.name, info.differs) for info in experiment.hparam_infos
            ][:2] == [("BN", True), ("activation", True)]  # differs first
    assert sorted(info.name for info in experiment.hparam_infos) == [
        "BN", "WI", "activation", "dataset", "epochs", "lr", "model",
        "seed", "width"]
    # The session is the run's test folder: its curves are the metrics.
    assert [(info.name.group, info.name.tag) for info in
            experiment.metric_infos] == [("", "epoch_accuracy"),
                                         ("", "epoch_loss")]
    assert [[session.name for session in group.sessions]
            for group in groups] == [["BN/test"], ["ELU/test"]]
    assert [group.name for group in groups] == ["BN", "ELU"]  # Trial ID
    assert hparam_values(groups[0])["activation"] == "ReLU"
    assert hparam_values(groups[1])["activation"] == "ELU"
    final = metric_values(groups[1])  # the last epoch, not the best
    assert round(final["epoch_accuracy"], 4) == 0.3
    assert round(final["epoch_loss"], 4) == 1.5


def test_the_dashboard_lists_the_grids_ten_runs(lab_grid):
    experiment, groups = dashboard(lab_grid.logdir,
                                   sort_by_test_accuracy=False)
    by_run = {group.name: group for group in groups}  # the Trial IDs
    assert sorted(by_run) == sorted(RUN_NAMES)
    assert all(group.sessions[0].name == f"{name}/test"
               for name, group in by_run.items())
    for run in LAB_RUNS:
        values = hparam_values(by_run[run.name])
        assert (values["BN"], values["WI"]) == (run.batch_norm, run.he_init)
        assert (values["dataset"], values["width"]) == ("synthetic", 0.125)
        assert set(metric_values(by_run[run.name])) == {
            "epoch_accuracy", "epoch_loss"}
    activation = {info.name: info for info in experiment.hparam_infos}[
        "activation"]
    assert sorted(value.string_value for value in
                  activation.domain_discrete.values) == [
        "ELU", "LReLU", "Maxout", "ReLU"]


def test_the_run_selector_lists_each_runs_train_and_test_only(lab_grid):
    multiplexer = plugin_event_multiplexer.EventMultiplexer()
    multiplexer.AddRunsFromDirectory(str(lab_grid.logdir))
    assert sorted(multiplexer.Runs()) == sorted(
        f"{name}/{split}" for name in RUN_NAMES
        for split in ("train", "test"))


def test_hparams_are_written_without_tensorflow(tmp_path):
    script = textwrap.dedent(f"""
        import sys
        sys.modules["tensorflow"] = None  # any import of it fails
        from callbacks.hparams import write_hparams
        from nin.training.config import RunConfig
        write_hparams({str(tmp_path)!r}, RunConfig(activation="elu").hparams())
        assert "tensorflow" not in {{m.split(".")[0] for m in sys.modules
                                     if sys.modules[m] is not None}}
    """)
    environment = {**os.environ, "KERAS_BACKEND": "numpy"}
    result = subprocess.run([sys.executable, "-c", script], cwd=REPO,
                            env=environment, capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    accumulator = EventAccumulator(str(tmp_path))
    accumulator.Reload()
    assert metadata.SESSION_START_INFO_TAG in accumulator.Tags()["tensors"]
