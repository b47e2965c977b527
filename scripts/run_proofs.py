"""Run every rule's examples under several devices and autocast precisions.

Not part of CI: for confirming the proofs on a GPU when one is at hand.

    python scripts/run_proofs.py                 # CPU: plain, float16 and bfloat16 autocast
    python scripts/run_proofs.py --device cuda   # the same on CUDA

Prints a table: rule x precision x outcome of the bad and the fixed example.
A "yes" means the example behaved as the rule claims (bad: the hazard shows;
fixed: finite).  Under autocast some hazards vanish or appear because the
op runs in another precision: that is what the table is for.
"""
import argparse
import warnings

from flake8_nan.proofs import outcome
from flake8_nan.registry import RULES


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--precisions", default="none,float16,bfloat16",
                        help="comma-separated autocast dtypes; 'none' runs without autocast")
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    print(f"{'rule':7} {'precision':9}  {'bad':4} {'shown':45}  {'fixed':5} shown")
    for rule in RULES:
        for precision in args.precisions.split(","):
            autocast = None if precision == "none" else precision
            for example in (None, *rule.more):
                bad_ok, bad = outcome(rule, "bad", args.device, autocast, example)
                good_ok, good = outcome(rule, "good", args.device, autocast, example)
                print(f"{rule.code:7} {precision:9}  {'yes' if bad_ok else 'NO':4} {bad[:45]:45}  "
                      f"{'yes' if good_ok else 'NO':5} {good[:60]}")


if __name__ == "__main__":
    main()
