"""Sign-off of trainees: a mentor's "có thể làm độc lập" per procedure, and the certificate."""
