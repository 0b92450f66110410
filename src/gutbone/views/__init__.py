"""Views: plots and interactive HTML drawn from results."""
