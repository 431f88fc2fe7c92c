"""The directory: wards, areas, sites, their programmes and contact people."""
