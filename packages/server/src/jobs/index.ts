/** jobs: the periodic work of a running server. Each job is a function of the services it uses. */
export { Scheduler, type Job } from './scheduler.js';
export { CronJobs, withRetries, type CronJob } from './cron-jobs.js';
