"""Which helpers inherit the context their module calls them in."""
from flake8_nan.callers import callers_of

MODULE = '''
import torch

def helper(x):
    return inner(x)

def inner(x):
    return x

def escapes(x):
    return x

def mixed(x):
    return x

def forward(x):
    return x

@torch.no_grad()
def evaluate(x):
    return helper(x), forward(x), mixed(x)

def train(x):
    with torch.autocast("cuda",
                        enabled=False):
        y = escapes(x)
    with torch.no_grad():
        z = escapes(x)
    callbacks = [escapes]
    return mixed(x), y, z
'''


def test_a_helper_called_only_without_gradient_inherits_it_one_call_deeper_too():
    no_grad, autocast_off = callers_of(MODULE)
    assert no_grad == {"helper", "inner"}
    assert autocast_off == set()


def test_calls_outside_the_block_a_use_as_a_value_and_forward_keep_the_context_open():
    no_grad, _ = callers_of(MODULE)
    assert not {"mixed", "escapes", "forward", "train"} & no_grad


def test_autocast_off_over_a_header_of_several_lines():
    no_grad, autocast_off = callers_of(MODULE.replace("    callbacks = [escapes]\n", ""))
    assert autocast_off == set()  # escapes is also called with gradients, autocast on
    only = MODULE.replace("        z = escapes(x)\n", "        pass\n").replace(
        "    callbacks = [escapes]\n", "")
    assert callers_of(only)[1] == {"escapes"}


def test_a_module_without_such_blocks_is_not_read():
    assert callers_of("def f(x):\n    return g(x)\n") == (frozenset(), frozenset())


def test_a_helper_called_only_from_a_metric_class_by_its_base_runs_without_gradient():
    module = '''
import torch
import torchmetrics

def ratio(a, b):
    return a / b

def share(a, b):
    return a / b

class MeanIoU(torchmetrics.Metric):
    def compute(self):
        return ratio(self.score, self.count)

class MeanIoULoss(torch.nn.Module):
    def forward(self, a, b):
        return share(a, b)

class Scores(metrics.BaseMetric, Mixin):
    def update(self, a, b):
        return share(a, b)
'''
    no_grad, _ = callers_of(module)
    assert no_grad == {"ratio"}
    assert callers_of(module.replace("MeanIoULoss(torch.nn.Module)", "Other(Mixin, Tracker)"))[0] \
        == {"ratio", "share"}
