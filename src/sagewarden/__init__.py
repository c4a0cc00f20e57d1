"""sagewarden: the AWS Security Hub controls for SageMaker, evaluated and fixed."""

__version__ = "0.1.0"
