"""A local AWS for tests and the demo: moto's server plus what moto 5.x lacks for SageMaker.

`Emulator` serves moto (in this process, on 127.0.0.1, a free port) behind a WSGI layer
that records every call, runs `on_request` hooks, injects faults, and extends SageMaker.
Everything is reached through boto3 over real HTTP.

What the SageMaker extension adds, and why (moto 5.2 gaps):

- Operations moto does not have (or has in part), stateful per (account, region):
  images (Create/Describe/Update/Delete/ListImages), app image configs
  (Create/Describe/Update/Delete/ListAppImageConfigs, list returns full details) and
  monitoring schedules (Create/Describe/Update/Delete/Start/Stop/ListMonitoringSchedules,
  filters EndpointName, NameContains, StatusEquals, MonitoringJobDefinitionName,
  MonitoringTypeEquals). A schedule is Pending on the first Describe after a Create or
  Update, then Scheduled; MonitoringType defaults to DataQuality for an inline job.
  Feature groups (Create/Describe/Update/Delete/ListFeatureGroups: moto has only a
  partial Create/Describe, without online store or throughput), whole: Describe answers
  what Create stored (the offline store completed as AWS completes it, ThroughputConfig
  OnDemand by default, no NextToken), Creating until first described, then Created; the
  ARN holds the name in lower case. Inference experiments (Create/Describe/Update/Stop/
  Delete/ListInferenceExperiments; the List summary has no ARN): Creating until first
  described, then Created or Running by their Schedule (default: now, for 7 days),
  Completed after its EndTime; Update and Stop only when Created or Running, Delete only
  when Created, Completed or Cancelled (ConflictException otherwise); Update replaces
  DataStorageConfig whole. Their endpoint and models must exist.
  Their tags (AddTags/ListTags/DeleteTags on their ARNs; other ARNs stay moto's).
  Not-found is `ResourceNotFound`, duplicates `ResourceInUse`, as in AWS.
- Operations moto lacks on its own resources: UpdateNotebookInstance (only when the
  notebook is Stopped or Failed, else ValidationException as in AWS) and UpdateEndpoint
  (switches to an existing endpoint config; ends InService).
- Refusals the API reference documents and moto skips (ValidationException, 400):
  CreateNotebookInstance with DirectInternetAccess Disabled and no SubnetId; a
  ProductionVariant that is neither serverless nor names InstanceType and
  InitialInstanceCount, or is serverless and names instances; ShadowProductionVariants
  unless one production and one shadow variant; an existing endpoint config or endpoint
  name (moto silently replaces them); a monitoring schedule (create or update) naming a
  job definition that does not exist with its MonitoringType.
- Endpoint answers as AWS gives them: DescribeEndpointConfig returns what moto drops
  (ShadowProductionVariants, ExecutionRoleArn, VpcConfig...); DescribeEndpoint returns a
  DataCaptureConfigSummary (moto returned the config's request, off the model: HTTP 500),
  without KmsKeyId when none was given, as AWS does, and ShadowProductionVariants.
- AWS's notebook state rules, which moto skips: StopNotebookInstance only from
  InService, Start only from Stopped/Failed, Delete only from Stopped/Failed
  (ValidationException "Status (X) not in ([...]). Unable to transition to (...)...").
  `Emulator.set_notebook_status` forces other states (Pending, Updating...) for tests.
- A notebook runtime (notebook_runtime.py), so the volume backup/restore of a fix can be
  tested end to end: each notebook has an ML storage volume (`Emulator.notebook_volume`,
  path -> bytes; kept across Stop/Start, destroyed on Delete), and the lifecycle scripts
  sagewarden writes (recognised by their marker line) are played against moto's S3 as
  they would run: OnCreate restore on creation, then OnStart backup on every start.
- Fields moto drops: DescribeNotebookInstance gets PlatformIdentifier (default
  notebook-al2023-v1), InstanceMetadataServiceConfiguration (default IMDSv1), RootAccess
  (default Enabled) and a NetworkInterfaceId for VPC notebooks; DescribeModel gets
  EnableNetworkIsolation as created (False when not given) and loses moto's invented
  ExecutionRoleArn "arn:test"; DescribeModelExplainabilityJobDefinition gets its
  StoppingCondition back (and tags [] instead of None, which crashed ListTags). moto's
  empty placeholder structures (VpcConfig {}, DataCaptureConfig {}, StoppingCondition
  {}...) are removed, as AWS omits them.
- Paging moto lacks: ListModels (moto returns everything), ListDataQualityJobDefinitions
  and ListModelBiasJobDefinitions (moto crashes past 100 and ignores NextToken; its
  data-quality summaries also name a fake endpoint). The other lists (notebooks,
  endpoint configs, model quality/explainability definitions) page correctly in moto.
  Lists the extension serves return 10 items a page by default (AWS's documented
  default) and NextTokens that name the last item, so deletions between pages are safe.
- CreateModel refuses an existing name (moto silently replaces the model), and
  CreateNotebookInstance and CreateEndpointConfig accept every InstanceType the model
  allows (moto checks older, shorter lists).
- Validation: every SageMaker request is checked against botocore's input shape,
  including the enum and maximum constraints only AWS enforces (ValidationException);
  every response the extension builds or rewrites must match the output shape, or the
  emulator answers 500 and records the report in `Emulator.errors`. The one allowance
  is a required member AWS is seen to omit (validation.AWS_OMITS, with its evidence).

Security Hub (securityhub_findings.py): as in AWS, a re-import (BatchImportFindings) of an
existing finding keeps its Note, UserDefinedFields, VerificationState and Workflow (moto
overwrote them), and BatchUpdateFindings (which moto lacks) changes them, on moto's findings.

AWS Config (config_service.py, config_query.py): moto's Config answers none of the reads
for SageMaker types, so `Emulator.config` is a recorder of configuration items per account
and Region (`Emulator.config.record(item)`, in the shape Config delivers to S3) answering
SelectResourceConfig and SelectAggregateResourceConfig (advanced query: =, !=, IN, BETWEEN,
LIKE, AND/OR/NOT; only the types advanced query indexes), BatchGet[Aggregate]ResourceConfig,
GetResourceConfigHistory, List[Aggregate]DiscoveredResources, over moto's aggregators, and
recording PutEvaluations (`Emulator.config.evaluations`).

Per request, in order: the call is recorded (`Emulator.calls`), `on_request` hooks run,
then the first matching fault answers (an error in the protocol's own format, or a
damaged answer: a given body such as HTML with status 200, the real answer cut short or
shorter than its Content-Length, JSON members replaced or removed, the same NextToken
forever, or a hang the test releases; see faults.py), else the extension or moto does.

Notebook Stop/Start are immediate in moto, so boto3 waiters succeed on the first poll.
moto's state is process-global: run one Emulator per process. Importing this package
does not import moto; Emulator.start() does.
"""

from __future__ import annotations

from sagewarden_demo.emulator.calls import Call
from sagewarden_demo.emulator.faults import REMOVE, Fault
from sagewarden_demo.emulator.server import Emulator
from sagewarden_demo.emulator.validation import sagemaker_service_model

__all__ = ["REMOVE", "Call", "Emulator", "Fault", "sagemaker_service_model"]
