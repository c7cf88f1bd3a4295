// jsdom has no layout: scrolling is a no-op here (the router scrolls to the top on navigation).
window.scrollTo = () => {};
import { setConfig } from "./config";

// What config.json would say (src/config.ts): the pages' requests go to this address.
setConfig({ apiUrl: "http://api.test" });
