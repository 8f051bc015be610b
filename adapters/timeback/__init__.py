"""TimeBack: OneRoster 1.2 (and later QTI, PowerPath, Caliper) behind a Cognito client-credentials token."""
