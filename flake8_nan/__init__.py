"""flake8-nan: find the code that turns a PyTorch loss into NaN, before it runs."""
__version__ = "0.1.0"
