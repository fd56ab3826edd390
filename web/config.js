// Privacy center configuration. Replace at deploy time (e.g. from the stack outputs); served as a plain file.
//   apiUrl         base URL of the HTTP API; "" means the page's own origin (the local cloud serves both)
//   cognitoDomain  the Cognito hosted UI domain, e.g. "https://auth.example.com"; with no cognitoDomain the page
//                  shows the local sign-in form, which calls POST /_local/login (only the local cloud has it)
//   clientId       the user pool app client id
//   redirectUri    this page's URL, registered as a callback URL (and sign-out URL) of the app client
//   responseType   "code" (authorization code with PKCE, the default) or "token" (implicit flow)
window.PRIVACY_CENTER_CONFIG = {
  apiUrl: '',
  cognitoDomain: '',
  clientId: '',
  redirectUri: '',
};
