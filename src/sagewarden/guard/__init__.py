"""Prevention: the controls as AWS CloudFormation Guard rules, and the hook that runs them.

model: each control as a predicate over one resource's properties (or why it cannot be);
render: Guard text for one input shape; hook_template: the AWS::CloudFormation::GuardHook;
export: the files `sagewarden export guard` writes.
"""
