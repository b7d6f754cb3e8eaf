"""What producers and consumers of tasks share: task names, queues and routes, the Celery
configuration and the embedded SQLite transport. The API, the sweeper and the queue adapters
send tasks with this package alone; the task code lives in drive2.worker."""
