# Values known only after apply (from aws_subnet.private, created in the same plan) and values
# marked sensitive, for the engine's choice tests and the "never print a secret" test.
# Regenerate the plan with ../regenerate.sh (needs terraform and the hashicorp/aws provider).

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

variable "secret_subnet" {
  type      = string
  sensitive = true
  default   = "subnet-0secret0000000001"
}

variable "secret_platform" {
  type      = string
  sensitive = true
  default   = "notebook-al2-v3"
}

variable "secret_isolation" {
  type      = bool
  sensitive = true
  default   = true
}

variable "secret_count" {
  type      = number
  sensitive = true
  default   = 1
}

variable "secret_tags" {
  type      = map(string)
  sensitive = true
  default   = { CostCenter = "cc-secret-4242" }
}

resource "aws_vpc" "main" {
  cidr_block = "10.0.0.0/16"
}

resource "aws_subnet" "private" {
  vpc_id     = aws_vpc.main.id
  cidr_block = "10.0.1.0/24"
}

locals {
  # Known only after apply: the subnet id does not exist yet.
  later_bool  = aws_subnet.private.id != ""
  later_count = length(aws_subnet.private.id) > 0 ? 1 : 3
  later_state = aws_subnet.private.id != "" ? "Disabled" : "Enabled"
  role        = "arn:aws:iam::111122223333:role/SageMakerExecution"
  image       = "763104351884.dkr.ecr.eu-west-1.amazonaws.com/pytorch-inference:2.1-cpu-py310"
}

# -- notebooks: SageMaker.1, .2, .3, .8 -------------------------------------------------------

resource "aws_sagemaker_notebook_instance" "later" {
  name                   = "later"
  role_arn               = local.role
  instance_type          = "ml.t3.medium"
  subnet_id              = aws_subnet.private.id
  security_groups        = ["sg-0123456789abcdef0"]
  direct_internet_access = local.later_state
  root_access            = local.later_state
}

resource "aws_sagemaker_notebook_instance" "secret" {
  name                   = "secret"
  role_arn               = local.role
  instance_type          = "ml.t3.medium"
  subnet_id              = var.secret_subnet
  security_groups        = ["sg-0123456789abcdef0"]
  direct_internet_access = "Disabled"
  root_access            = "Disabled"
  platform_identifier    = var.secret_platform
}

# -- models: SageMaker.5 ------------------------------------------------------------------------

resource "aws_sagemaker_model" "later" {
  name                     = "later"
  execution_role_arn       = local.role
  enable_network_isolation = local.later_bool
  primary_container {
    image = local.image
  }
}

resource "aws_sagemaker_model" "secret" {
  name                     = "secret"
  execution_role_arn       = local.role
  enable_network_isolation = var.secret_isolation
  primary_container {
    image = local.image
  }
}

# -- endpoint configs: SageMaker.4 ------------------------------------------------------------

# One variant at 1 instance: fails whatever the other variant's count turns out to be.
resource "aws_sagemaker_endpoint_configuration" "one_low_one_later" {
  name = "one-low-one-later"
  production_variants {
    variant_name           = "low"
    model_name             = aws_sagemaker_model.secret.name
    instance_type          = "ml.m5.large"
    initial_instance_count = 1
  }
  production_variants {
    variant_name           = "later"
    model_name             = aws_sagemaker_model.secret.name
    instance_type          = "ml.m5.large"
    initial_instance_count = local.later_count
  }
}

# Two at 2 and one known only after apply: the verdict depends on that one.
resource "aws_sagemaker_endpoint_configuration" "one_ok_one_later" {
  name = "one-ok-one-later"
  production_variants {
    variant_name           = "ok"
    model_name             = aws_sagemaker_model.secret.name
    instance_type          = "ml.m5.large"
    initial_instance_count = 2
  }
  production_variants {
    variant_name           = "later"
    model_name             = aws_sagemaker_model.secret.name
    instance_type          = "ml.m5.large"
    initial_instance_count = local.later_count
  }
}

resource "aws_sagemaker_endpoint_configuration" "secret_count" {
  name = "secret-count"
  production_variants {
    variant_name           = "secret"
    model_name             = aws_sagemaker_model.secret.name
    instance_type          = "ml.m5.large"
    initial_instance_count = var.secret_count
  }
}

# -- images and app image configs: SageMaker.6, .7 -------------------------------------------

resource "aws_sagemaker_image" "secret_tags" {
  image_name = "secret-tags"
  role_arn   = local.role
  tags       = var.secret_tags
}

resource "aws_sagemaker_app_image_config" "later_tags" {
  app_image_config_name = "later-tags"
  kernel_gateway_image_config {
    kernel_spec {
      name = "python3"
    }
  }
  tags = { Team = "ml", Subnet = aws_subnet.private.id }
}

# -- data quality job definitions: SageMaker.9, .11 ------------------------------------------

locals {
  dq_app = {
    image_uri = "468650794304.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-model-monitor-analyzer"
  }
}

# One instance: no inter-container traffic, whatever the encryption flag turns out to be.
resource "aws_sagemaker_data_quality_job_definition" "single_later_flags" {
  name     = "single-later-flags"
  role_arn = local.role
  data_quality_app_specification {
    image_uri = local.dq_app.image_uri
  }
  data_quality_job_input {
    endpoint_input {
      endpoint_name = "ep"
    }
  }
  data_quality_job_output_config {
    monitoring_outputs {
      s3_output {
        s3_uri = "s3://bucket/out"
      }
    }
  }
  job_resources {
    cluster_config {
      instance_count    = 1
      instance_type     = "ml.m5.large"
      volume_size_in_gb = 20
    }
  }
  network_config {
    enable_inter_container_traffic_encryption = local.later_bool
    enable_network_isolation                  = local.later_bool
  }
}

# A count known only after apply, encryption off: one instance is out of scope, more fail.
resource "aws_sagemaker_data_quality_job_definition" "later_count_plain" {
  name     = "later-count-plain"
  role_arn = local.role
  data_quality_app_specification {
    image_uri = local.dq_app.image_uri
  }
  data_quality_job_input {
    endpoint_input {
      endpoint_name = "ep"
    }
  }
  data_quality_job_output_config {
    monitoring_outputs {
      s3_output {
        s3_uri = "s3://bucket/out"
      }
    }
  }
  job_resources {
    cluster_config {
      instance_count    = local.later_count
      instance_type     = "ml.m5.large"
      volume_size_in_gb = 20
    }
  }
}

# -- monitoring schedules: SageMaker.14 ------------------------------------------------------

resource "aws_sagemaker_monitoring_schedule" "by_reference" {
  name = "by-reference"
  monitoring_schedule_config {
    monitoring_job_definition_name = aws_sagemaker_data_quality_job_definition.single_later_flags.name
    monitoring_type                = "DataQuality"
  }
}
