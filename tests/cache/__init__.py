"""The store of rendered segments (cache/) and progmoh cache."""
