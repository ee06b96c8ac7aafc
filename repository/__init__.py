"""All SQL lives here: connections, migrations, the unit of work, repositories."""
