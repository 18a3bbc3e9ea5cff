"""Seed 003's appendix B numbers, for the study report to show ours next
to them.

Tables B.1 (MLP) and B.2 (CNN): final test accuracy in percent, vanilla
(V) and batch-normalized (B), per dataset. Tables B.3 (MLP) and B.4 (CNN):
seconds per epoch by batch size, with the thesis's mean BN overhead. Copied
from seed 003; the CIFAR-10 numbers quoted in ../shared/lab4-spec.md
(ReLU 83.5/85.1, ELU 83.4/82.9, sigmoid 10.0/77.3) agree with them.
"""

DATASETS = ("mnist", "svhn", "cifar10", "cifar100")
DATASET_TITLES = {"mnist": "MNIST", "svhn": "SVHN", "cifar10": "CIFAR10",
                  "cifar100": "CIFAR100"}

# (parameter, value) -> {dataset: (vanilla, bn)}
ROWS = (("Activation function", "sigmoid"), ("Activation function", "ReLU"),
        ("Activation function", "ELU"), ("Initial learning rate", "high"),
        ("Initial learning rate", "low"), ("Weight initialization", "high"),
        ("Weight initialization", "low"), ("Regularization", "dropout"),
        ("Regularization", "w. decay"))


def _table(rows):
    return {row: dict(zip(DATASETS, [tuple(values[i:i + 2])
                                     for i in range(0, 8, 2)]))
            for row, values in zip(ROWS, rows)}


TABLE_B1_MLP = _table([
    (97.4, 97.9, 80.0, 82.6, 45.4, 49.8, 15.2, 21.9),
    (98.0, 98.2, 81.4, 84.1, 49.6, 51.6, 22.7, 24.2),
    (98.0, 98.2, 80.9, 83.9, 50.4, 51.7, 21.8, 23.9),
    (11.4, 98.6, 19.6, 83.6, 10.0, 52.6, 1.0, 25.5),
    (97.6, 97.7, 82.8, 83.2, 49.0, 49.3, 23.1, 20.7),
    (9.8, 96.3, 19.6, 76.4, 10.0, 46.1, 1.0, 15.8),
    (11.4, 98.4, 19.6, 84.5, 10.0, 52.6, 1.0, 24.7),
    (96.8, 97.6, 75.4, 77.4, 48.0, 50.3, 15.6, 16.9),
    (98.2, 98.4, 83.4, 84.9, 51.0, 51.8, 23.2, 25.0),
])
TABLE_B2_CNN = _table([
    (11.4, 99.4, 19.6, 91.8, 10.0, 77.3, 1.0, 40.3),
    (99.5, 99.5, 94.4, 94.8, 83.5, 85.1, 48.8, 57.0),
    (99.5, 99.5, 94.2, 93.6, 83.4, 82.9, 53.9, 55.5),
    (11.4, 99.6, 19.6, 95.2, 10.0, 86.5, 1.0, 56.2),
    (99.2, 99.4, 91.8, 93.1, 76.4, 78.1, 35.3, 46.2),
    (9.8, 98.4, 19.6, 86.5, 10.0, 62.0, 1.0, 29.8),
    (11.4, 99.6, 19.6, 94.8, 10.0, 85.0, 1.0, 51.9),
    (99.6, 99.5, 96.1, 96.1, 87.8, 87.3, 58.0, 58.5),
    (99.4, 99.6, 94.2, 95.2, 83.5, 86.0, 49.1, 59.1),
])

BATCH_SIZES = (32, 64, 128, 256, 512, 1024)


def _times(rows):
    return {size: (overhead, dict(zip(DATASETS, [tuple(values[i:i + 2])
                                                 for i in range(0, 8, 2)])))
            for size, (overhead, values) in zip(BATCH_SIZES, rows)}


# batch size -> (mean BN overhead %, {dataset: (vanilla s, bn s)})
TABLE_B3_MLP_TIME = _times([
    (20, (2.6, 3.1, 3.7, 4.4, 2.5, 3.0, 2.5, 3.1)),
    (27, (1.8, 2.4, 2.7, 3.4, 1.8, 2.3, 1.9, 2.4)),
    (35, (1.4, 2.0, 2.2, 2.9, 1.5, 2.0, 1.5, 2.0)),
    (38, (1.2, 1.8, 2.0, 2.7, 1.4, 1.8, 1.4, 1.9)),
    (39, (1.2, 1.7, 1.9, 2.6, 1.3, 1.7, 1.3, 1.8)),
    (41, (1.1, 1.7, 1.8, 2.5, 1.2, 1.7, 1.2, 1.7)),
])
TABLE_B4_CNN_TIME = _times([
    (19.7, (141, 162, 166, 201, 112, 137, 113, 137)),
    (19.0, (103, 122, 128, 153, 87, 104, 87, 104)),
    (16.4, (86, 101, 107, 124, 73, 85, 73, 85)),
    (15.5, (77, 89, 95, 109, 65, 75, 65, 75)),
    (15.3, (72, 83, 89, 102, 60, 69, 60, 70)),
    (15.2, (69, 80, 86, 99, 58, 66, 58, 66)),
])

ACCURACY_TABLES = {"mlp": ("B.1", TABLE_B1_MLP), "cnn": ("B.2", TABLE_B2_CNN)}
TIME_TABLES = {"mlp": ("B.3", TABLE_B3_MLP_TIME),
               "cnn": ("B.4", TABLE_B4_CNN_TIME)}
