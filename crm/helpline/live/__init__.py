"""Live updates for staff dashboards: what is published after a commit, and who hears it."""
