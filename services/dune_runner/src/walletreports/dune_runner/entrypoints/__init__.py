"""The service's edges inward: event handlers and background schedules, which translate
and delegate to the service layer."""
