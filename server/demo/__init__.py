"""The demo: a fictional ward (さくら区) with its sites, programmes and one login per role."""
