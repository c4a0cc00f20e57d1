"""sagewarden: AWS Security Hub controls SageMaker.1-15, evaluated and fixed."""

__version__ = "0.1.0"
