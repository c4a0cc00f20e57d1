# A team notebook: called from ../../main.tf with for_each and with count.

variable "name" {
  type = string
}

variable "role_arn" {
  type = string
}

variable "direct" {
  type    = string
  default = "Enabled"
}

variable "kms_key_id" {
  type    = string
  default = null
}

variable "platform" {
  type = string
}

variable "tags" {
  type    = map(string)
  default = {}
}

locals {
  volume = 10 * 2
}

resource "aws_sagemaker_notebook_instance" "this" {
  name                   = var.name
  role_arn               = var.role_arn
  instance_type          = "ml.t3.medium"
  direct_internet_access = var.direct
  root_access            = var.direct == "Disabled" ? "Disabled" : "Enabled"
  kms_key_id             = var.kms_key_id
  platform_identifier    = var.platform
  volume_size            = local.volume
  tags                   = merge(var.tags, { Module = "notebook" })
}

output "name" {
  value = aws_sagemaker_notebook_instance.this.name
}
