# Every hashicorp/aws type that SageMaker.16-25 read, in the shapes those controls tell apart:
# feature groups (.17 offline store key, .18 online store key), models (.16 primary
# container registry, .19 multi-container registry), notebooks (.21 volume key) and a
# monitoring schedule (.22). hashicorp/aws 5.100.0 has no inline job in
# aws_sagemaker_monitoring_schedule (monitoring_job_definition_name is required), and no
# explainability or quality job definition or inference experiment (.20, .23, .24, .25 are
# awscc-only): the tests read awscc plans rendered by casekit for those.
# Values known only after apply come from aws_kms_key.store and aws_subnet.private, created
# in the same plan. Regenerate the plan with ../regenerate.sh ai_security.

terraform {
  required_providers {
    aws = { source = "hashicorp/aws", version = "5.100.0" }
  }
}

provider "aws" {
  region                      = "eu-west-1"
  access_key                  = "test"
  secret_key                  = "test"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
  skip_region_validation      = true
}

# A key created in the same plan: its ARN is known only after apply, and is a key all the same.
resource "aws_kms_key" "store" {
  description             = "feature store and notebook volumes"
  deletion_window_in_days = 7
}

resource "aws_vpc" "main" {
  cidr_block = "10.0.0.0/16"
}

resource "aws_subnet" "private" {
  vpc_id     = aws_vpc.main.id
  cidr_block = "10.0.1.0/24"
}

locals {
  role      = "arn:aws:iam::111122223333:role/SageMakerExecution"
  named_key = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
  ecr_image = "763104351884.dkr.ecr.eu-west-1.amazonaws.com/pytorch-inference:2.1-cpu-py310"
  # A registry inside the VPC (not Amazon ECR): what RepositoryAccessMode Vpc is for.
  vpc_image = "registry.ml.internal:5000/scoring:1.4"
  # Known only after apply: the subnet id does not exist yet.
  later_bool = aws_subnet.private.id != ""
  later_mode = aws_subnet.private.id != "" ? "Vpc" : "Platform"
  features = {
    record_id  = "String"
    event_time = "String"
    amount     = "Fractional"
  }
}

# -- feature groups: SageMaker.17 (offline store key), .18 (online store key) ------------------

# Offline store with a key, no online store: .17 PASSED, .18 NOT_APPLICABLE.
resource "aws_sagemaker_feature_group" "offline_key" {
  feature_group_name             = "offline-key"
  record_identifier_feature_name = "record_id"
  event_time_feature_name        = "event_time"
  role_arn                       = local.role
  dynamic "feature_definition" {
    for_each = local.features
    content {
      feature_name = feature_definition.key
      feature_type = feature_definition.value
    }
  }
  offline_store_config {
    s3_storage_config {
      s3_uri     = "s3://ml-feature-store/offline-key"
      kms_key_id = local.named_key
    }
  }
}

# Offline store without a key; online store Standard with a key: .17 FAILED, .18 PASSED.
resource "aws_sagemaker_feature_group" "offline_plain_online_key" {
  feature_group_name             = "offline-plain-online-key"
  record_identifier_feature_name = "record_id"
  event_time_feature_name        = "event_time"
  role_arn                       = local.role
  dynamic "feature_definition" {
    for_each = local.features
    content {
      feature_name = feature_definition.key
      feature_type = feature_definition.value
    }
  }
  offline_store_config {
    s3_storage_config {
      s3_uri = "s3://ml-feature-store/offline-plain"
    }
  }
  online_store_config {
    enable_online_store = true
    storage_type        = "Standard"
    security_config {
      kms_key_id = local.named_key
    }
  }
}

# Online store Standard without a key, no offline store: .17 NOT_APPLICABLE, .18 FAILED.
resource "aws_sagemaker_feature_group" "online_standard_plain" {
  feature_group_name             = "online-standard-plain"
  record_identifier_feature_name = "record_id"
  event_time_feature_name        = "event_time"
  role_arn                       = local.role
  dynamic "feature_definition" {
    for_each = local.features
    content {
      feature_name = feature_definition.key
      feature_type = feature_definition.value
    }
  }
  online_store_config {
    enable_online_store = true
    storage_type        = "Standard"
  }
}

# Online store with storage type left to its default (Standard), keyed by a key created in
# the same plan, and an offline store keyed by it too: both PASSED, known only after apply.
resource "aws_sagemaker_feature_group" "keys_after_apply" {
  feature_group_name             = "keys-after-apply"
  record_identifier_feature_name = "record_id"
  event_time_feature_name        = "event_time"
  role_arn                       = local.role
  dynamic "feature_definition" {
    for_each = local.features
    content {
      feature_name = feature_definition.key
      feature_type = feature_definition.value
    }
  }
  offline_store_config {
    s3_storage_config {
      s3_uri     = "s3://ml-feature-store/keys-after-apply"
      kms_key_id = aws_kms_key.store.arn
    }
  }
  online_store_config {
    enable_online_store = true
    security_config {
      kms_key_id = aws_kms_key.store.arn
    }
  }
}

# Online store InMemory (no key possible): .18 NOT_APPLICABLE; no offline store.
resource "aws_sagemaker_feature_group" "in_memory" {
  feature_group_name             = "in-memory"
  record_identifier_feature_name = "record_id"
  event_time_feature_name        = "event_time"
  role_arn                       = local.role
  dynamic "feature_definition" {
    for_each = local.features
    content {
      feature_name = feature_definition.key
      feature_type = feature_definition.value
    }
  }
  online_store_config {
    enable_online_store = true
    storage_type        = "InMemory"
  }
}

# Online store block present but disabled, offline store without a key:
# .17 FAILED, .18 NOT_APPLICABLE.
resource "aws_sagemaker_feature_group" "online_disabled" {
  feature_group_name             = "online-disabled"
  record_identifier_feature_name = "record_id"
  event_time_feature_name        = "event_time"
  role_arn                       = local.role
  dynamic "feature_definition" {
    for_each = local.features
    content {
      feature_name = feature_definition.key
      feature_type = feature_definition.value
    }
  }
  offline_store_config {
    s3_storage_config {
      s3_uri = "s3://ml-feature-store/online-disabled"
    }
  }
  online_store_config {
    enable_online_store = false
  }
}

# Whether the online store is on is known only after apply, and it has no key: off it is out
# of scope, on it fails, so .18 is UNKNOWN.
resource "aws_sagemaker_feature_group" "online_later" {
  feature_group_name             = "online-later"
  record_identifier_feature_name = "record_id"
  event_time_feature_name        = "event_time"
  role_arn                       = local.role
  dynamic "feature_definition" {
    for_each = local.features
    content {
      feature_name = feature_definition.key
      feature_type = feature_definition.value
    }
  }
  online_store_config {
    enable_online_store = local.later_bool
  }
}

# -- models: SageMaker.16 (primary container), .19 (containers) ---------------------------------

resource "aws_sagemaker_model" "primary_vpc" {
  name               = "primary-vpc"
  execution_role_arn = local.role
  primary_container {
    image = local.vpc_image
    image_config {
      repository_access_mode = "Vpc"
    }
  }
  vpc_config {
    subnets            = [aws_subnet.private.id]
    security_group_ids = ["sg-0123456789abcdef0"]
  }
}

resource "aws_sagemaker_model" "primary_platform" {
  name               = "primary-platform"
  execution_role_arn = local.role
  primary_container {
    image = local.ecr_image
    image_config {
      repository_access_mode = "Platform"
    }
  }
}

# No image_config: the image is pulled from Amazon ECR, as for every AWS-provided container.
resource "aws_sagemaker_model" "primary_ecr" {
  name                     = "primary-ecr"
  execution_role_arn       = local.role
  enable_network_isolation = true
  primary_container {
    image = local.ecr_image
  }
}

# The mode is known only after apply: Vpc passes, Platform fails, so .16 is UNKNOWN.
resource "aws_sagemaker_model" "primary_later" {
  name               = "primary-later"
  execution_role_arn = local.role
  primary_container {
    image = local.vpc_image
    image_config {
      repository_access_mode = local.later_mode
    }
  }
}

# An inference pipeline: one container in a VPC registry, one Platform, one with no image_config.
resource "aws_sagemaker_model" "pipeline_mixed" {
  name               = "pipeline-mixed"
  execution_role_arn = local.role
  container {
    image = local.vpc_image
    image_config {
      repository_access_mode = "Vpc"
    }
  }
  container {
    image = local.ecr_image
    image_config {
      repository_access_mode = "Platform"
    }
  }
  container {
    image = local.ecr_image
  }
  inference_execution_config {
    mode = "Serial"
  }
}

resource "aws_sagemaker_model" "pipeline_vpc" {
  name               = "pipeline-vpc"
  execution_role_arn = local.role
  container {
    image = local.vpc_image
    image_config {
      repository_access_mode = "Vpc"
    }
  }
  container {
    image = "registry.ml.internal:5000/postprocess:2.0"
    image_config {
      repository_access_mode = "Vpc"
    }
  }
  inference_execution_config {
    mode = "Serial"
  }
  vpc_config {
    subnets            = [aws_subnet.private.id]
    security_group_ids = ["sg-0123456789abcdef0"]
  }
}

# -- notebooks: SageMaker.21 (volume key) -------------------------------------------------------

resource "aws_sagemaker_notebook_instance" "named_key" {
  name                   = "named-key"
  role_arn               = local.role
  instance_type          = "ml.t3.medium"
  subnet_id              = aws_subnet.private.id
  security_groups        = ["sg-0123456789abcdef0"]
  direct_internet_access = "Disabled"
  root_access            = "Disabled"
  kms_key_id             = local.named_key
}

resource "aws_sagemaker_notebook_instance" "no_key" {
  name          = "no-key"
  role_arn      = local.role
  instance_type = "ml.t3.medium"
}

resource "aws_sagemaker_notebook_instance" "key_after_apply" {
  name          = "key-after-apply"
  role_arn      = local.role
  instance_type = "ml.t3.medium"
  kms_key_id    = aws_kms_key.store.arn
}

# -- monitoring: SageMaker.22 (and .14) ---------------------------------------------------------

# Two instances with traffic encryption and isolation: what a referencing schedule points at.
resource "aws_sagemaker_data_quality_job_definition" "encrypted" {
  name     = "encrypted"
  role_arn = local.role
  data_quality_app_specification {
    image_uri = "468650794304.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-model-monitor-analyzer"
  }
  data_quality_job_input {
    endpoint_input {
      endpoint_name = "scoring"
    }
  }
  data_quality_job_output_config {
    monitoring_outputs {
      s3_output {
        s3_uri = "s3://ml-monitoring/data-quality"
      }
    }
  }
  job_resources {
    cluster_config {
      instance_count    = 2
      instance_type     = "ml.m5.large"
      volume_size_in_gb = 20
    }
  }
  network_config {
    enable_inter_container_traffic_encryption = true
    enable_network_isolation                  = true
  }
}

# By reference (the only form hashicorp/aws 5.100.0 has): .22 NOT_APPLICABLE by default,
# PASSED with SageMaker.22.resolveReferences=true; .14 FAILED by default, PASSED resolved.
resource "aws_sagemaker_monitoring_schedule" "by_reference" {
  name = "by-reference"
  monitoring_schedule_config {
    monitoring_job_definition_name = aws_sagemaker_data_quality_job_definition.encrypted.name
    monitoring_type                = "DataQuality"
    schedule_config {
      schedule_expression = "cron(0 * ? * * *)"
    }
  }
}
