/** transports/http/fhir: the FHIR R4 read API under /fhir/R4 (routes, Bundles, OperationOutcome). */
export { fhirRoutes, sendOperationOutcome, FHIR_BASE_PATH, type FhirRoutesDeps } from './fhir-routes.js';
