"""How the outside reaches the notifier: events, HTTP, schedules. They translate and delegate."""
