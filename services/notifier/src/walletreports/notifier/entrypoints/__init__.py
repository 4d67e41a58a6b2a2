"""How the outside reaches the notifier: events (and later HTTP). They translate and delegate."""
