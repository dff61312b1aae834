"""Storage shared by the stages: the content-addressed blob store of attachments and documents."""
