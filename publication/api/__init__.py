"""The publication app's API: /api/v1/publications/ and /api/v1/action-plans/."""
