/** compliance/dashboards: the role dashboards' summaries (counts only). */
export { DashboardService, type DashboardServiceDeps } from './dashboard-service.js';
export {
  CERT_EXPIRING_WINDOW_MS,
  FAILED_LOGIN_HOURS,
  ONLINE_WINDOW_MS,
  SEVERITIES as DASHBOARD_SEVERITIES,
  type AdminDashboard,
  type ChannelHealth,
  type DashboardStore,
  type DeviceStateCounts,
  type SecurityDashboard,
} from './model.js';
