"""How the outside reaches orders: HTTP (web, staff console) and events. They translate
and delegate to the service layer."""
