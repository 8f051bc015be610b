"""SQLModel tables, repositories, the unit of work and migrations, on SQLite or PostgreSQL."""
