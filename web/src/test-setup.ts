// jsdom has no layout: scrolling is a no-op here (the router scrolls to the top on navigation).
window.scrollTo = () => {};
