"""Progress and sign-off of trainees: progress pages, certificate, points, leaderboard."""
