"""HTTP pieces every service mounts: health, metrics, internal auth, error shape."""
